import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, openSqliteStore } from '../../adapters/sqlite/index.js';
import { runStoreContract } from './contract.js';

runStoreContract('sqlite (file, WAL)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-store-'));
  const store = await openSqliteStore({ path: path.join(dir, 'tobira.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite adapter specifics', function () {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-sqlite-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('runs migrations once, records the version, and opens again idempotently', async function () {
    const file = path.join(dir, 'nested', 'tobira.db');
    const first = await openSqliteStore({ path: file });
    await first.init();
    await first.close();
    const second = await openSqliteStore({ path: file });
    await second.close();
    const db = new Database(file, { readonly: true });
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all() as {
      version: number;
    }[];
    expect(versions.map((v) => v.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    db.close();
  });

  it('lets a second store on the same file see the first one’s writes', async function () {
    const file = path.join(dir, 'shared.db');
    const a = await openSqliteStore({ path: file });
    const b = await openSqliteStore({ path: file });
    await a.hitRateLimit('k', new Date(Date.now() + 60_000), new Date());
    expect(await b.hitRateLimit('k', new Date(Date.now() + 60_000), new Date())).to.equal(2);
    await a.close();
    await b.close();
  });
});
