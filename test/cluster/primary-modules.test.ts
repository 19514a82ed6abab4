/**
 * The cluster's primary only supervises: `tobira start` loads the server (koa, the store's driver, the
 * views, the CA, argon2) only in the process that serves (cli/serve.ts) or prepares (cli/prepare.ts),
 * never in the primary, which would keep it for its lifetime (115–123 MiB instead of 63). (With SQLite
 * the primary loads the driver later, for the WAL's checkpoints alone: cluster/checkpoints.ts.)
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

describe('the cluster primary’s modules', function () {
  this.timeout(60_000);

  it('hold none of the server’s packages until the serving module loads', async function () {
    const probe = path.join(import.meta.dirname, 'primary-modules.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe]);
    const loaded = JSON.parse(stdout) as { primary: number; serve: number };
    expect(loaded.primary, 'server package files loaded by cli/start.ts').to.equal(0);
    expect(loaded.serve, 'once cli/serve.ts loads').to.be.above(0);
  });
});
