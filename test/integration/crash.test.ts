/**
 * Fault test with a real process: Tobira started by its CLI queues an invitation while the SMTP
 * server is down, is killed with SIGKILL (no shutdown code runs), and started again once the mail
 * server is back — the mail goes out, and the account and its enrollment link are all still there.
 */
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createHttpsFetch, type HttpsFetch } from '../../src/http/https-fetch.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { freePort } from '../helpers/tobira.js';

const exec = promisify(execFile);
const CLI = ['--import', 'tsx', 'bin/tobira.js'];

describe('fault: SIGKILL while mail waits for a dead SMTP server', function () {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let issuer: string;
  let smtpPort: number;
  let child: ChildProcess | undefined;
  let smtp: TestSmtp | undefined;
  let fetch: HttpsFetch;
  let key: string;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-crash-'));
    const port = await freePort();
    smtpPort = await freePort();
    issuer = `https://127.0.0.1:${port}`;
    env = {
      ...process.env,
      TOBIRA_DATA_DIR: dir,
      TOBIRA_ISSUER: issuer,
      TOBIRA_HOST: '127.0.0.1',
      TOBIRA_PORT: String(port),
      TOBIRA_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      TOBIRA_LOG_LEVEL: 'error',
    };
    const created = await exec(process.execPath, [...CLI, 'apikey', 'create', '--label', 'crash-test'], {
      env,
      encoding: 'utf8',
    });
    key = /key: (\S+)/.exec(created.stdout)![1]!;
    fetch = createHttpsFetch({ ca: await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8') });
  });
  after(async function () {
    child?.kill('SIGKILL');
    await smtp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function startTobira(): Promise<ChildProcess> {
    const started = spawn(process.execPath, [...CLI, 'start'], { env, stdio: 'ignore' });
    for (let i = 0; i < 150; i += 1) {
      const ready = await fetch(`${issuer}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return started;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    started.kill('SIGKILL');
    throw new Error('tobira did not become ready');
  }
  const admin = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${issuer}/admin/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('sends the queued invitation after a restart, and the enrollment link still works', async function () {
    child = await startTobira();
    expect(
      (await admin('POST', '/tenants', { id: 'p-66', name: 'Crash', supportContact: 'desk' })).status,
    ).to.equal(201);
    const account = await admin('POST', '/tenants/p-66/accounts', {
      userId: 'p-66-usr001',
      terminals: [{ email: 'crash@example.jp', type: 'pc' }],
      sendInvitation: true,
    });
    expect(account.status).to.equal(201);
    // Wait until the worker has tried and failed once: the mail is back to pending with the error.
    let mail: Record<string, unknown> | undefined;
    for (
      let i = 0;
      i < 100 && !(mail && (mail.attempts as number) >= 1 && mail.status === 'pending');
      i += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      mail = ((await admin('GET', '/mail')).body.items as Record<string, unknown>[])[0];
    }
    expect(mail).to.include({ status: 'pending', to: 'crash@example.jp' });
    expect(String(mail!.lastError)).to.match(/ECONNREFUSED|connect/i);

    child.kill('SIGKILL');
    await once(child, 'exit');
    smtp = await startSmtp({ port: smtpPort });
    child = await startTobira();

    const [arrived] = await smtp.waitFor(1, 30_000);
    expect(arrived!.subject).to.include('認証情報');
    expect(arrived!.text).to.include(String(account.body.enrollmentUrl));
    const page = await fetch(String(account.body.enrollmentUrl));
    expect(page.status, 'the enrollment link survived the crash').to.equal(200);
    expect(await page.text()).to.include('p-66-usr001');
    const sent = ((await admin('GET', '/mail')).body.items as Record<string, unknown>[])[0];
    expect(sent).to.include({ status: 'sent' });
    expect(smtp.messages, 'sent once, not twice').to.have.length(1);

    child.kill('SIGTERM');
    await once(child, 'exit');
    child = undefined;
  });
});
