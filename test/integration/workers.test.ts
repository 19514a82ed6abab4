/**
 * `tobira start` with TOBIRA_WORKERS=2: one real cluster (a primary and two workers on one port over
 * one SQLite file) for the whole suite. Every request opens a new TLS connection, so the primary hands
 * them to both workers; the per-worker request counts in /metrics show that both served. Logins work
 * whichever worker serves each step; concurrent wrong passwords lock at exactly the threshold; a
 * one-time link is used once; a revocation on one worker is in every worker's CRL and refused at once;
 * a worker killed with SIGKILL is replaced while the other answers; SIGTERM stops every process.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import {
  OLD_SPACE_MIB,
  SEMI_SPACE_MIB,
  helperPoolSize,
  threadPoolSize,
} from '../../src/cluster/worker-env.js';
import { createHttpsFetch, type HttpsFetch } from '../../src/http/https-fetch.js';
import { newToken, sha256Hex } from '../../src/random.js';
import { formOf, TestBrowser, type BrowserResponse } from '../helpers/browser.js';
import {
  createClient,
  createDownloadLink,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from '../helpers/fixtures.js';
import { testMongoServer } from '../helpers/ferretdb.js';
import { withDatabase } from '../helpers/mongo-uri.js';
import { nodeEnv, startNode, type TobiraNode } from '../helpers/processes.js';
import { TestRp } from '../helpers/rp.js';
import { freePort, startTestTobira } from '../helpers/tobira.js';

const run = promisify(execFile);
const REDIRECT = 'https://rp.example.test/cb';
const PASSWORD = 'Workers-Pass-2026';
const MAX_FAILURES = 5;
const FORM_REFUSED = 'フォームの有効期限が切れたか';

describe('tobira start with two workers on one port', function () {
  this.timeout(120_000);
  let dir: string;
  let ca: string;
  let node: TobiraNode;
  let fetch: HttpsFetch;
  let rp: TestRp;
  let client: TestClient;
  let apiKey: string;
  let download: { token: string; password: string };
  const users = {} as Record<'login' | 'victim' | 'revoked' | 'download', TestUser>;
  const browsers: TestBrowser[] = [];

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-workers-'));
    const setup = await startTestTobira({ dataDir: dir });
    const { tobira } = setup;
    await createTenant(tobira, 'p-69', { lockout: { maxPasswordFailures: MAX_FAILURES } });
    client = await createClient(tobira, { tenantId: 'p-69', redirectUri: REDIRECT });
    const names = ['login', 'victim', 'revoked', 'download'] as const;
    for (const [i, name] of names.entries())
      users[name] = await createUser(tobira, {
        tenantId: 'p-69',
        userId: `p-69-usr0${i}`,
        password: PASSWORD,
      });
    apiKey = newToken(32);
    await tobira.store.createApiKey(
      { id: 'key-workers', keyHash: sha256Hex(apiKey), label: 'workers' },
      new Date(),
    );
    const owner = users.download;
    const token = await createDownloadLink(tobira, owner);
    download = { token, password: owner.p12Password };
    ca = tobira.ca.certificatePem;
    await setup.close();

    const port = await freePort();
    fetch = createHttpsFetch({ ca: await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8') });
    node = await startNode(
      nodeEnv(dir, port, {
        TOBIRA_WORKERS: '2',
        TOBIRA_LOGIN_RATE_PER_IP_PER_MINUTE: '1000000',
        TOBIRA_LOGIN_RATE_PER_ACCOUNT_PER_MINUTE: '1000000',
      }),
      fetch,
    );
    // Ready answers once one worker listens; a scrape sums the workers that listen: wait for both.
    await until(async () => Object.keys(await perWorker()).length === 2, 'both workers to listen');
    rp = await TestRp.discover(node.url, client, ca);
  });
  after(async function () {
    for (const b of browsers) b.close();
    await node?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function until(condition: () => Promise<boolean>, what = 'condition'): Promise<void> {
    for (let i = 0; i < 300; i += 1) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  /** The primary's children running tobira (tsx also starts an esbuild child): the workers. */
  async function workerPids(): Promise<number[]> {
    const out = await run('ps', ['-o', 'pid=,args=', '--ppid', String(node.child.pid)]);
    return out.stdout
      .split('\n')
      .filter((line) => line.includes('tobira.js'))
      .map((line) => Number.parseInt(line.trim(), 10));
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** Requests answered by each listening worker slot so far, from the summed /metrics (a scrape from this host). */
  async function perWorker(): Promise<Record<string, number>> {
    const text = await (await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(20_000) })).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^tobira_worker_http_requests_total\{worker="(\d+)"\} (\d+)/gm))
      counts[m[1]!] = Number(m[2]);
    return counts;
  }
  const browser = (user?: TestUser) => {
    const b = new TestBrowser({ ca, ...(user ? { pfx: user.p12, passphrase: user.p12Password } : {}) });
    browsers.push(b);
    return b;
  };
  const post = (b: TestBrowser, page: BrowserResponse, fields: Record<string, string>) => {
    const { action, csrf } = formOf(page.text);
    return b.follow(new URL(action, node.url).href, node.url, { form: { csrf, ...fields } });
  };
  async function loginPage(user: TestUser) {
    const b = browser(user);
    const start = await rp.start();
    const page = await b.follow(start.url, node.url);
    return { b, start, page };
  }

  it('logs in whichever worker serves each step; both workers served requests', async function () {
    const before = await perWorker();
    for (let i = 0; i < 3; i += 1) {
      const { b, start, page } = await loginPage(users.login);
      expect(page.text).to.include('name="password"');
      const callback = await post(b, page, { userId: users.login.account.userId, password: PASSWORD });
      expect(callback.location, `${callback.status} ${callback.text.slice(0, 800)}`).to.match(
        /^https:\/\/rp\.example\.test\/cb\?code=/,
      );
      const { claims } = await rp.finish(callback.location!, start);
      expect(claims.sub).to.equal(users.login.account.id);
    }
    const after = await perWorker();
    expect(Object.keys(after).sort()).to.deep.equal(['0', '1']);
    for (const slot of ['0', '1'])
      expect(after[slot]!, `worker ${slot} served`).to.be.above(before[slot] ?? 0);
  });

  it('locks after exactly the threshold when 30 wrong passwords arrive at once over both workers', async function () {
    const victim = users.victim;
    const pages = await Promise.all(Array.from({ length: 30 }, () => loginPage(victim)));
    for (const { page } of pages) expect(page.text).to.include('name="password"');
    const answers = await Promise.all(
      pages.map(({ b, page }, i) =>
        post(b, page, { userId: victim.account.userId, password: `Wrong-${i}-Pass-2026` }),
      ),
    );
    expect(
      answers.filter((r) => r.location?.startsWith(REDIRECT)),
      'no code issued',
    ).to.have.length(0);
    expect(
      answers.filter((r) => r.text.includes(FORM_REFUSED)),
      'every post judged',
    ).to.have.length(0);
    const store = await openSqliteStore({ path: path.join(dir, 'tobira.db') });
    try {
      const account = (await store.getAccount(victim.account.id))!;
      expect(account).to.include({ status: 'locked', lockReason: 'password' });
      expect(account.failedPasswordCount, 'exactly the threshold counted').to.equal(MAX_FAILURES);
    } finally {
      await store.close();
    }
  });

  it('serves one download link once when 10 browsers post its password together', async function () {
    const url = `${node.url}/download/${download.token}`;
    const opened = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const b = browser();
        return { b, page: await b.follow(url, node.url) };
      }),
    );
    for (const { page } of opened) expect(page.status).to.equal(200);
    const answers = await Promise.all(
      opened.map(({ b, page }) => post(b, page, { password: download.password })),
    );
    const files = answers.filter((r) => String(r.headers['content-type']).includes('pkcs12'));
    expect(files, 'exactly one .p12 served').to.have.length(1);
    expect(
      answers.filter((r) => r.text.includes(FORM_REFUSED)),
      'every post judged',
    ).to.have.length(0);
  });

  it('lists a certificate revoked through one worker in the CRL every worker serves, and refuses it at once', async function () {
    const { serial: stored } = users.revoked.certificate;
    const serial = stored.toUpperCase();
    const crls = async () => {
      const texts: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const crl = await browser().request(`${node.url}/ca/crl.pem`);
        expect(crl.status).to.equal(200);
        texts.push(await pemSerials(crl.text));
      }
      return texts;
    };
    // Both workers hold a signed CRL before the revocation (six new connections, handed out in turn).
    const before = await perWorker();
    for (const text of await crls()) expect(text).to.not.include(serial);
    const revoke = await fetch(`${node.url}/admin/v1/certificates/${stored}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'keyCompromise' }),
    });
    expect(revoke.status, await revoke.clone().text()).to.equal(200);
    for (const text of await crls())
      expect(text, 'every CRL served after the answer lists it').to.include(serial);
    const after = await perWorker();
    for (const slot of ['0', '1'])
      expect(after[slot]! - (before[slot] ?? 0), `worker ${slot} served CRLs`).to.be.above(2);
    for (let i = 0; i < 2; i += 1) {
      const { page } = await loginPage(users.revoked);
      expect(page.text).to.include('失効').and.not.include('name="password"');
    }
  });

  it('replaces a worker killed with SIGKILL, and the other keeps answering meanwhile', async function () {
    this.timeout(240_000);
    /** GET /readyz on a connection of its own (a kept-alive one would stay with one worker). */
    const fresh = async () => {
      const once = createHttpsFetch({ ca });
      try {
        return (await once(`${node.url}/readyz`, { signal: AbortSignal.timeout(20_000) })).status;
      } finally {
        once.close();
      }
    };
    const [victim, survivor] = await workerPids();
    process.kill(victim!, 'SIGKILL');
    // Reaped: signal 0 still reaches a zombie (whose ps line no longer names tobira.js). Before the
    // primary has reaped it, node:cluster may still hand it a connection, which then is lost.
    await until(async () => !alive(victim!), 'the primary to reap the worker');
    for (let i = 0; i < 4; i += 1) expect(await fresh()).to.equal(200);
    await until(async () => Object.keys(await perWorker()).length === 2, 'a replacement worker to listen');
    expect(await workerPids())
      .to.have.length(2)
      .and.include(survivor)
      .and.not.include(victim);
    // The replacement serves too: both slots count new requests.
    const before = await perWorker();
    for (let i = 0; i < 6; i += 1) expect(await fresh()).to.equal(200);
    const after = await perWorker();
    for (const slot of ['0', '1']) expect(after[slot]!, `worker ${slot} served`).to.be.above(before[slot]!);
  });

  it('starts each worker with libuv and V8 thread pools for its share of the cores (argon2id keeps 19 MiB per libuv thread) and V8 heap sizes', async function () {
    const share = threadPoolSize(os.availableParallelism(), 2);
    const helpers = helperPoolSize(os.availableParallelism(), 2);
    const pids = await workerPids();
    expect(pids).to.have.length(2);
    for (const pid of pids) {
      const environ = (await readFile(`/proc/${pid}/environ`, 'latin1')).split('\0');
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'latin1')).split('\0');
      expect(environ, `worker ${pid}`).to.include(
        `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? share}`,
      );
      if (!process.env.NODE_OPTIONS?.includes('--v8-pool-size'))
        expect(argv, `worker ${pid}`).to.include(`--v8-pool-size=${helpers}`);
      if (!/--max[-_]semi[-_]space[-_]size/.test(process.env.NODE_OPTIONS ?? ''))
        expect(argv, `worker ${pid}`).to.include(`--max-semi-space-size=${SEMI_SPACE_MIB}`);
      if (!/--max[-_]old[-_]space[-_]size/.test(process.env.NODE_OPTIONS ?? ''))
        expect(argv, `worker ${pid}`).to.include(`--max-old-space-size=${OLD_SPACE_MIB}`);
    }
  });

  it('stops the primary and every worker on SIGTERM, exit code 0', async function () {
    const pids = await workerPids();
    await node.stop();
    expect(await node.exited).to.equal(0);
    for (const pid of pids) expect(alive(pid), `worker ${pid} gone`).to.equal(false);
  });

  /** The serials a PEM CRL lists, as openssl prints them. */
  async function pemSerials(pem: string): Promise<string> {
    const child = execFile('openssl', ['crl', '-noout', '-text']);
    const out = new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    child.stdin!.end(pem);
    return (await out).replace(/\s+/g, '');
  }
});

describe('tobira start with two workers refuses what it cannot run', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-workers-refused-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  /** Runs `tobira start` to its exit (60 s at most): the exit code and what it wrote to stderr. */
  async function startFails(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    const started = run(process.execPath, ['--import', 'tsx', 'bin/tobira.js', 'start'], {
      env: { ...env, TOBIRA_WORKERS: '2' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return started.then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number | null; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  }

  it('exits 1 with one line when its workers cannot listen (port taken), no restart loop', async function () {
    const port = await freePort();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const { code, stderr } = await startFails(nodeEnv(dir, port));
      expect(code).to.equal(1);
      expect(stderr).to.match(/^tobira: a worker failed to start \(exit code 1\)$/m);
    } finally {
      taken.close();
    }
  });

  const mongo = testMongoServer();
  const onFerret = 'name' in mongo && mongo.name.startsWith('ferretdb');
  (onFerret ? it : it.skip)(
    `refuses several workers on FerretDB with a one-line configuration error${onFerret ? '' : ' (skipped: runs on FerretDB only; a real MongoDB takes workers)'}`,
    async function () {
      if (!('start' in mongo)) return;
      const server = await mongo.start();
      try {
        const uri = withDatabase(server.uri, `tobira_workers_${newToken(6).replace(/\W/g, '')}`);
        const env = nodeEnv(dir, await freePort(), { TOBIRA_STORE: 'mongodb', TOBIRA_MONGODB_URI: uri });
        const { code, stderr } = await startFails(env);
        expect(code).to.equal(1);
        expect(stderr).to.match(
          /^tobira: invalid configuration TOBIRA_WORKERS \(workers\) = 2: .*FerretDB.*$/m,
        );
      } finally {
        await server.stop();
      }
    },
  );
});
