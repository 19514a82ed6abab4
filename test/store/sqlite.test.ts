/** The Store contract on SQLite (a fresh temp file per test, and in memory), plus what only SQLite has. */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { MIGRATIONS, openSqliteStore, SqliteStore } from '../../adapters/sqlite/index.js';
import { openDatabase } from '../../adapters/sqlite/connection.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import { StoreError, StoreUnavailableError, type Store } from '../../src/store.js';
import { runStoreContract } from './contract.js';

const T0 = new Date('2026-01-01T00:00:00Z');

/**
 * A worker thread with its own connection to `file`: once told to go, it reserves 20 password attempts
 * (max 10) on `accountId`, then claims mail two at a time until none is due, and reports what it got.
 */
const CONTENDER = `
const { parentPort, workerData: w } = require('node:worker_threads');
(async () => {
  const { tsImport } = await import('tsx/esm/api');
  const { openSqliteStore } = await tsImport(w.module, w.module);
  const store = await openSqliteStore({ path: w.file });
  parentPort.postMessage({ ready: true });
  await new Promise((go) => parentPort.once('message', go));
  const now = new Date(w.now);
  let granted = 0;
  for (let i = 0; i < 20; i += 1) if ((await store.reserveAttempt(w.accountId, 'password', 10, now)).ok) granted += 1;
  const claimed = [];
  for (let batch; (batch = await store.claimMail(w.name, now, 60000, 2)).length; ) claimed.push(...batch.map((m) => m.id));
  await store.close();
  parentPort.postMessage({ granted, claimed });
})().catch((error) => parentPort.postMessage({ error: String(error?.stack ?? error) }));
`;

interface ContenderResult {
  granted: number;
  claimed: string[];
}

/** Starts `n` contenders, lets them loose together once all are connected, and collects their results. */
async function contend(
  n: number,
  data: { file: string; accountId: string; now: Date },
): Promise<ContenderResult[]> {
  const module = pathToFileURL(path.resolve('adapters/sqlite/index.ts')).href;
  const workers = Array.from(
    { length: n },
    (_, i) =>
      new Worker(CONTENDER, {
        eval: true,
        workerData: { ...data, now: data.now.getTime(), module, name: `w${i}` },
      }),
  );
  const next = (w: Worker) =>
    new Promise<{ error?: string } & Partial<ContenderResult>>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(workers.map(next));
    const results = workers.map(next);
    for (const w of workers) w.postMessage('go');
    return (await Promise.all(results)).map((r) => {
      if (r.error) throw new Error(r.error);
      return r as ContenderResult;
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'tobira-sqlite-'));
}

runStoreContract('sqlite (file, WAL)', async () => {
  const dir = await tempDir();
  const store = await openSqliteStore({ path: path.join(dir, 'tobira.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runStoreContract('sqlite (:memory:)', async () => {
  const store = await openSqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describe('SQLite adapter specifics', function () {
  let dir: string;
  const open: Store[] = [];
  const openStore = async (file: string) => {
    const store = await openSqliteStore({ path: file });
    open.push(store);
    return store;
  };
  /** Reads the file directly, as a second connection would. */
  const raw = <T>(file: string, read: (db: Database.Database) => T): T => {
    const db = new Database(file, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };

  beforeEach(async () => (dir = await tempDir()));
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent directory and runs every migration once, however often it is opened', async function () {
    const file = path.join(dir, 'nested', 'deeper', 'tobira.db');
    const first = await openStore(file);
    await first.init();
    await first.init();
    await first.close();
    await (await openStore(file)).init();
    const versions = raw(file, (db) =>
      db.prepare<[], { version: number }>('SELECT version FROM schema_version ORDER BY version').all(),
    );
    expect(versions.map((v) => v.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
  });

  it('upgrades a version-1 database in place, keeping its data', async function () {
    const file = path.join(dir, 'v1.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);' +
        MIGRATIONS[0] +
        'INSERT INTO schema_version VALUES (1, 0);' +
        `INSERT INTO tenants VALUES ('p-01', 'P', 'desk', '{}', 0, 0);` +
        `INSERT INTO accounts (id, tenant_id, user_id, status, login_method, terminal_seq, created_at, updated_at)
         VALUES ('a1', 'p-01', 'u1', 'active', 'password', 2, 0, 0);` +
        `INSERT INTO terminals (id, account_id, number, email, type, deleted, created_at, updated_at)
         VALUES ('t1', 'a1', 1, 'a@example.jp', 'pc', 0, 0, 0), ('t2', 'a1', 2, 'b@example.jp', 'pc', 1, 0, 0);`,
    );
    db.close();
    const store = await openStore(file);
    expect((await store.getAccountByUserId('u1'))!.id).to.equal('a1');
    const next = await store.createTerminal(
      { id: 't3', accountId: 'a1', email: 'c@example.jp', type: 'pc' },
      T0,
    );
    expect(next.number).to.equal(3);
    const columns = raw(file, (r) => r.pragma('table_info(accounts)') as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columns).to.not.include('terminal_seq');
  });

  it('uses WAL, stores times as integer epoch milliseconds and JSON as text', async function () {
    const file = path.join(dir, 'tobira.db');
    const store = await openStore(file);
    await store.createTenant(
      { id: 'p-01', name: 'P', supportContact: 'desk', policy: defaultTenantPolicy() },
      T0,
    );
    const row = raw(file, (db) => ({
      journal: db.pragma('journal_mode', { simple: true }),
      tenant: db
        .prepare('SELECT typeof(created_at) AS type, created_at AS at, typeof(policy) AS policy FROM tenants')
        .get(),
    }));
    expect(row.journal).to.equal('wal');
    expect(row.tenant).to.deep.equal({ type: 'integer', at: T0.getTime(), policy: 'text' });
    const db = openDatabase(path.join(dir, 'settings.db'));
    try {
      // Per connection, so read from one opened the way the store opens its own.
      // NORMAL: a write that must be durable waits for the WAL's sync instead (sqlite-durability.test.ts).
      expect(db.pragma('synchronous', { simple: true }), 'NORMAL').to.equal(1);
      expect(db.pragma('foreign_keys', { simple: true })).to.equal(1);
    } finally {
      db.close();
    }
  });

  it('indexes only the oidc rows with a grant id, uid or user code, and finds those through the index', async function () {
    const file = path.join(dir, 'tobira.db');
    const store = await openStore(file);
    await store.oidcUpsert('Interaction', 'i1', { jti: 'i1' }, 60, T0);
    await store.oidcUpsert('Session', 's1', { jti: 's1', uid: 'u1' }, 60, T0);
    await store.oidcUpsert('AccessToken', 'a1', { jti: 'a1', grantId: 'g1' }, 60, T0);
    await store.oidcUpsert('DeviceCode', 'd1', { jti: 'd1', userCode: 'C-1', grantId: 'g1' }, 60, T0);
    expect((await store.oidcFindByUid('Session', 'u1', T0))?.jti).to.equal('s1');
    expect((await store.oidcFindByUserCode('DeviceCode', 'C-1', T0))?.jti).to.equal('d1');
    await store.oidcRevokeByGrantId('g1');
    expect(await store.oidcFind('AccessToken', 'a1', T0), 'revoked by grant id').to.equal(null);
    expect(await store.oidcFind('Interaction', 'i1', T0), 'another grant’s row stays').to.not.equal(null);
    raw(file, (db) => {
      // The adapter's lookups (adapters/sqlite/oidc.ts), as it words them.
      const live = '(expires_at IS NULL OR expires_at > ?)';
      const plan = (sql: string, ...params: unknown[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
          .map((r) => r.detail)
          .join('; ');
      expect(plan(`SELECT payload FROM oidc WHERE model = ? AND uid = ? AND ${live}`, 'm', 'u', 0)).to.match(
        /USING INDEX oidc_uid\b/,
      );
      expect(
        plan(`SELECT payload FROM oidc WHERE model = ? AND user_code = ? AND ${live}`, 'm', 'c', 0),
      ).to.match(/USING INDEX oidc_user_code\b/);
      expect(plan('DELETE FROM oidc WHERE grant_id = ?', 'g')).to.match(
        /USING (COVERING )?INDEX oidc_grant\b/,
      );
      const partial = db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'oidc' AND sql LIKE '%WHERE%IS NOT NULL%'",
        )
        .all()
        .map((r) => r.name)
        .sort();
      expect(partial).to.deep.equal(['oidc_grant', 'oidc_uid', 'oidc_user_code']);
    });
  });

  it('enforces foreign keys: no client for a missing tenant', async function () {
    const store = await openStore(path.join(dir, 'tobira.db'));
    const error = await store
      .createClient({ clientId: 'rp', tenantId: 'missing', metadata: {}, firstParty: false }, T0)
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(StoreError).with.property('code', 'store_reference_missing');
  });

  it('lets a second store on the same file see the first one’s writes, and share its counters', async function () {
    const file = path.join(dir, 'shared.db');
    const a = await openStore(file);
    const b = await openStore(file);
    await a.createTenant(
      { id: 'p-01', name: 'P', supportContact: 'desk', policy: defaultTenantPolicy() },
      T0,
    );
    expect((await b.getTenant('p-01'))!.name).to.equal('P');
    const until = new Date(T0.getTime() + 60_000);
    await a.hitRateLimit('k', until, T0);
    expect(await b.hitRateLimit('k', until, T0)).to.equal(2);
    for (let i = 0; i < 6; i += 1)
      await a.enqueueMail(
        { id: `m${i}`, to: 'x@example.jp', subject: 's', text: 't', html: null, template: 'x' },
        T0,
      );
    const [first, second] = await Promise.all([a.claimMail('a', T0, 1000, 4), b.claimMail('b', T0, 1000, 4)]);
    const ids = [...first!, ...second!].map((m) => m.id);
    expect(ids).to.have.length(6);
    expect(new Set(ids).size).to.equal(6);
  });

  it('stays atomic across connections: threads on one file never overshoot a counter or share a mail', async function () {
    const file = path.join(dir, 'contended.db');
    const store = await openStore(file);
    await store.createTenant(
      { id: 'p-01', name: 'P', supportContact: 'desk', policy: defaultTenantPolicy() },
      T0,
    );
    const account = await store.createAccount(
      { id: 'a1', tenantId: 'p-01', userId: 'u1', status: 'active', loginMethod: 'password' },
      T0,
    );
    for (let i = 0; i < 40; i += 1)
      await store.enqueueMail(
        { id: `m${i}`, to: 'x@example.jp', subject: 's', text: 't', html: null, template: 'x' },
        T0,
      );
    const results = await contend(4, { file, accountId: account.id, now: T0 });
    expect(results.reduce((sum, r) => sum + r.granted, 0)).to.equal(10);
    expect((await store.getAccount(account.id))!.failedPasswordCount).to.equal(10);
    const claimed = results.flatMap((r) => r.claimed);
    expect(claimed).to.have.length(40);
    expect(new Set(claimed).size).to.equal(40);
  });

  it('refuses to work before init() and reports a closed database as unavailable', async function () {
    const store = new SqliteStore(path.join(dir, 'raw.db'));
    open.push(store);
    const early = await store.getTenant('x').catch((e: unknown) => e);
    expect(early).to.be.instanceOf(StoreError).with.property('code', 'store_not_initialized');
    await store.init();
    await store.ping();
    await store.close();
    expect(await store.ping().catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailableError);
    await store.close();
  });

  it('reports a file that is not a database as unavailable', async function () {
    const file = path.join(dir, 'not-a.db');
    await writeFile(
      file,
      'this is not an SQLite database, just text long enough to fill a header. '.repeat(4),
    );
    const error = await openSqliteStore({ path: file }).catch((e: unknown) => e);
    expect(error)
      .to.be.instanceOf(StoreUnavailableError)
      .with.property('message')
      .that.contains('SQLITE_NOTADB');
  });
});
