/** The `tobira` command as an operator runs it: a real process on a fresh data directory. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runTobira } from '../helpers/cli-runner.js';

const exec = promisify(execFile);

describe('tobira CLI', function () {
  let dataDir: string;
  const tobira = (...args: string[]) => runTobira(dataDir, ...args);

  before(async () => (dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-cli-'))));
  after(async () => rm(dataDir, { recursive: true, force: true }));

  it('initialises idempotently: keys, CA, TLS certificate and store', async function () {
    expect((await tobira('init')).code).to.equal(0);
    expect((await tobira('init')).code).to.equal(0);
    expect(await readdir(path.join(dataDir, 'keys'))).to.include.members([
      'data.key',
      'cookie-keys',
      'jwks.json',
    ]);
    expect(await readdir(path.join(dataDir, 'ca'))).to.include.members([
      'ca.pem',
      'ca.key',
      'server.pem',
      'server.key',
    ]);
  });

  it('creates a tenant, a client and an account with an enrollment URL and one-time password', async function () {
    expect(
      (await tobira('tenant', 'create', '--id', 'p-50', '--support', 'desk@example.jp')).stdout,
    ).to.include('tenant p-50 created');
    const client = await tobira(
      'client',
      'create',
      '--tenant',
      'p-50',
      '--redirect-uri',
      'https://rp.example.jp/cb',
    );
    expect(client.stdout).to.match(/client_secret: \S{40,}/);
    const account = await tobira(
      'account',
      'create',
      '--tenant',
      'p-50',
      '--user',
      'p-50-usr001',
      '--email',
      'a@example.jp,b@example.jp',
      '--json',
    );
    expect(account.code).to.equal(0);
    const json = JSON.parse(account.stdout) as {
      userId: string;
      enrollmentUrl: string;
      oneTimePassword: string;
    };
    expect(json.userId).to.equal('p-50-usr001');
    expect(json.enrollmentUrl).to.match(/^https:\/\/login\.example\.jp\/enroll\/[A-Za-z0-9_-]{43}$/);
    expect(json.oneTimePassword).to.have.length(10);
  });

  it('says what is wrong in one line and exits non-zero', async function () {
    const taken = await tobira(
      'account',
      'create',
      '--tenant',
      'p-50',
      '--user',
      'p-50-usr001',
      '--email',
      'c@example.jp',
    );
    expect(taken.code).to.equal(1);
    expect(
      taken.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.includes('Unsupported runtime')),
    ).to.deep.equal(['tobira: the user ID p-50-usr001 is taken']);
    const badConfig = await exec(process.execPath, ['--import', 'tsx', 'bin/tobira.js', 'init'], {
      env: { ...process.env, TOBIRA_PORT: 'x' },
      encoding: 'utf8',
    }).catch((e: { code: number; stderr: string }) => e);
    expect((badConfig as { code: number }).code).to.equal(1);
    expect((badConfig as { stderr: string }).stderr).to.include('TOBIRA_PORT (port) = "x"');
    expect((await tobira('frobnicate')).code).to.equal(2);
    const noOut = await tobira('backup');
    expect(noOut.code).to.equal(1);
    expect(noOut.stderr).to.include('--out is required');
    const noTenant = await tobira('apikey', 'create', '--label', 'desk', '--tenant', 'p-nope');
    expect(noTenant.code).to.equal(1);
    expect(noTenant.stderr).to.include('no tenant p-nope');
    const notLocked = await tobira('account', 'unlock', '--user', 'p-50-usr001');
    expect(notLocked.code, 'nothing to unlock is an error, not "pending → pending"').to.equal(1);
    expect(notLocked.stdout).to.equal('');
    expect(notLocked.stderr).to.include('tobira: the account p-50-usr001 is not locked (pending)');
  });

  it('refuses unsafe redirect URIs, reserved client IDs and overlapping tenants in one line', async function () {
    const client = (...args: string[]) => tobira('client', 'create', '--tenant', 'p-50', ...args);
    const script = await client('--redirect-uri', 'javascript:alert(1)');
    expect(script.code).to.equal(1);
    expect(script.stderr).to.include('tobira: redirect URI "javascript:alert(1)" uses javascript:');
    const reserved = await client('--id', 'tobira-account', '--redirect-uri', 'https://rp.example.jp/cb');
    expect(reserved.code).to.equal(1);
    expect(reserved.stderr).to.include('tobira: the client ID tobira-account is reserved');
    const overlap = await tobira('tenant', 'create', '--id', 'p', '--support', 'desk@example.jp');
    expect(overlap.code).to.equal(1);
    expect(overlap.stderr).to.include('tobira: tenant p would share user and client IDs with tenant p-50');
  });
});
