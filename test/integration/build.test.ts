/**
 * The production build: `npm run build`'s script writes into a scratch directory laid out like the
 * container image — dist/ and bin/, no sources — and the compiled `tobira` runs `init --demo` (the
 * demo's PKCS#12 comes from the worker-thread pool, a file loaded by path), then `start` (health, a
 * page from the handlebars views, a public file), and stops on SIGTERM. The scratch
 * directory lies inside the checkout so that Node finds node_modules and package.json from it.
 * Also: a SQLite Tobira, compiled and through tsx, never loads the MongoDB driver.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createHttpsFetch } from '../../src/http/https-fetch.js';
import { nodeEnv } from '../helpers/processes.js';
import { freePort } from '../helpers/tobira.js';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

describe('production build (npm run build)', function () {
  this.timeout(120_000);
  let scratch: string;
  let env: NodeJS.ProcessEnv;
  const tobira = () => path.join(scratch, 'bin/tobira.js');

  before(async function () {
    await mkdir(path.join(ROOT, 'test-output'), { recursive: true });
    scratch = await mkdtemp(path.join(ROOT, 'test-output/build-'));
    await exec(process.execPath, ['scripts/build.mjs', '--out', path.join(scratch, 'dist')], { cwd: ROOT });
    await cp(path.join(ROOT, 'bin/tobira.js'), tobira());
    env = nodeEnv(path.join(scratch, 'data'), await freePort());
    await exec(process.execPath, [tobira(), 'init', '--demo'], { env });
  });
  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('issues the demo certificate from the compiled output alone', async function () {
    expect((await stat(path.join(env.TOBIRA_DATA_DIR!, 'demo/p-00-demo.p12'))).size).to.be.above(0);
  });

  it('starts from the compiled output alone, serves pages and assets, and stops on SIGTERM', async function () {
    const child = spawn(process.execPath, [tobira(), 'start'], { env, stdio: 'ignore' });
    const exited = once(child, 'exit');
    const fetch = createHttpsFetch({ rejectUnauthorized: false });
    try {
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health?.ok && child.exitCode === null; i += 1) {
        health = await fetch(`${env.TOBIRA_ISSUER}/healthz`).catch(() => undefined);
        if (!health?.ok) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(health?.status, 'GET /healthz').to.equal(200);
      const guide = await fetch(`${env.TOBIRA_ISSUER}/guide`);
      expect(guide.status).to.equal(200);
      expect(await guide.text()).to.include('/assets/tobira.css');
      const css = await fetch(`${env.TOBIRA_ISSUER}/assets/tobira.css`);
      expect([css.status, css.headers.get('content-type')]).to.deep.equal([200, 'text/css; charset=utf-8']);
    } finally {
      fetch.close();
      if (child.exitCode === null) child.kill('SIGTERM');
    }
    expect(await exited).to.deep.equal([0, null]);
  });

  const graphs = [
    { name: 'compiled', node: [], root: () => pathToFileURL(path.join(scratch, 'dist/')).href, ext: '.js' },
    {
      name: 'through tsx',
      node: ['--import', 'tsx'],
      root: () => pathToFileURL(`${ROOT}/`).href,
      ext: '.ts',
    },
  ];
  for (const graph of graphs) {
    it(`loads the MongoDB driver only for the MongoDB store (${graph.name})`, async function () {
      const probe = path.join(ROOT, 'test/helpers/module-graph.mjs');
      const { stdout } = await exec(process.execPath, [...graph.node, probe, graph.root(), graph.ext], {
        env,
      });
      const loaded = JSON.parse(stdout) as { sqlite: number; mongodb: number; unavailable: boolean };
      expect(loaded.sqlite, 'driver files loaded with SQLite').to.equal(0);
      expect(loaded.mongodb, 'driver files once the MongoDB store opens').to.be.above(0);
      expect(loaded.unavailable, 'StoreUnavailableError from the one module instance').to.equal(true);
    });
  }
});
