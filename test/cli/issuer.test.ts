/**
 * One issuer for server and CLI: unset, it follows the listen address; `tobira start` records it, and a
 * command in a second terminal (without the server's TOBIRA_PORT) prints links to the running server.
 */
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../helpers/tobira.js';

const exec = promisify(execFile);
const CLI = ['--import', 'tsx', 'bin/tobira.js'];

/** The environment of a fresh terminal: none of this shell's TOBIRA_* settings. */
function terminalEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TOBIRA_')));
  return { ...env, ...extra };
}

describe('one issuer for server and CLI', function () {
  it('defaults the issuer to the listen host and port; a configured issuer wins', function () {
    expect(loadConfig({}).issuer).to.equal('https://localhost:8443');
    expect(loadConfig({ TOBIRA_PORT: '9443' }).issuer).to.equal('https://localhost:9443');
    expect(loadConfig({ TOBIRA_PORT: '443' }).issuer).to.equal('https://localhost');
    expect(loadConfig({ TOBIRA_HOST: '127.0.0.1', TOBIRA_PORT: '9000' }).issuer).to.equal(
      'https://127.0.0.1:9000',
    );
    expect(loadConfig({ TOBIRA_HOST: '::1', TOBIRA_PORT: '9000' }).issuer).to.equal('https://[::1]:9000');
    expect(loadConfig({ TOBIRA_PORT: '9443', TOBIRA_ISSUER: 'https://login.example.jp' }).issuer).to.equal(
      'https://login.example.jp',
    );
  });

  describe('a command in a second terminal', function () {
    this.timeout(60_000);
    let dataDir: string;
    let port: number;
    let server: ChildProcess | undefined;

    before(async function () {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-issuer-'));
      port = await freePort();
      server = spawn(process.execPath, [...CLI, 'start'], {
        env: terminalEnv({ TOBIRA_DATA_DIR: dataDir, TOBIRA_PORT: String(port), TOBIRA_LOG_LEVEL: 'warn' }),
        stdio: 'ignore',
      });
      for (let i = 0; ; i++) {
        const recorded = await readFile(path.join(dataDir, 'issuer'), 'utf8').catch(() => '');
        if (recorded) break;
        if (i > 200 || server.exitCode !== null) throw new Error('tobira start did not come up');
        await sleep(100);
      }
    });

    after(async function () {
      if (server && server.exitCode === null) {
        server.kill('SIGTERM');
        await once(server, 'exit');
      }
      await rm(dataDir, { recursive: true, force: true });
    });

    const tobira = async (env: Record<string, string>, ...args: string[]) =>
      (
        await exec(process.execPath, [...CLI, ...args], {
          env: terminalEnv({ TOBIRA_DATA_DIR: dataDir, ...env }),
          encoding: 'utf8',
        })
      ).stdout;

    it('prints enrollment URLs on the port the server runs on, and they answer', async function () {
      expect(await readFile(path.join(dataDir, 'issuer'), 'utf8')).to.equal(`https://localhost:${port}\n`);
      await tobira({}, 'tenant', 'create', '--id', 'p-70', '--support', 'desk@example.jp');
      const created = JSON.parse(
        await tobira(
          {},
          'account',
          'create',
          '--tenant',
          'p-70',
          '--user',
          'p-70-usr001',
          '--email',
          'a@example.jp',
          '--json',
        ),
      ) as { enrollmentUrl: string };
      expect(created.enrollmentUrl).to.match(
        new RegExp(`^https://localhost:${port}/enroll/[A-Za-z0-9_-]{43}$`),
      );

      const ca = await readFile(path.join(dataDir, 'ca', 'ca.pem'), 'utf8');
      const status = await new Promise<number>((resolve, reject) =>
        https
          .get(created.enrollmentUrl, { ca }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on('error', reject),
      );
      expect(status, 'a live link, not a dead one').to.equal(200);

      // The command's own configuration still wins over what the server recorded.
      const own = JSON.parse(
        await tobira(
          { TOBIRA_ISSUER: 'https://login.example.jp' },
          'account',
          'enrollment',
          '--user',
          'p-70-usr001',
          '--json',
        ),
      ) as { enrollmentUrl: string };
      expect(own.enrollmentUrl).to.match(/^https:\/\/login\.example\.jp\/enroll\//);
    });
  });
});
