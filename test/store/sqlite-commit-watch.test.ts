/**
 * The security epoch read without a read transaction while nothing was committed (adapters/sqlite/
 * commit-watch.ts): the WAL index's header, the same at two looks, vouches that no connection in any
 * process committed in between; any commit, a torn header or a missing file makes the store read the
 * row again. Two connections to one file, as two workers have.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { openSync, closeSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommitWatch } from '../../adapters/sqlite/commit-watch.js';
import { SqliteStore } from '../../adapters/sqlite/index.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';

const T0 = new Date('2026-01-01T00:00:00Z');

describe('SQLite: commits seen from the WAL index’s header', function () {
  let dir: string;
  let file: string;
  let store: SqliteStore;
  let other: SqliteStore;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-commit-watch-'));
    file = path.join(dir, 'tobira.db');
    store = new SqliteStore(file);
    await store.init();
    other = new SqliteStore(file);
    await other.init();
  });
  afterEach(async function () {
    await store.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  const commitElsewhere = (id: string) =>
    other.createTenant({ id, name: id, supportContact: 'desk', policy: defaultTenantPolicy() }, T0);

  it('says unchanged only while no connection committed since the last look', async function () {
    const watch = new CommitWatch(file);
    try {
      expect(watch.unchangedSinceLastLook(), 'the first look').to.equal(false);
      expect(watch.unchangedSinceLastLook(), 'nothing committed').to.equal(true);
      await store.getTenant('p-none'); // a read commits nothing
      expect(watch.unchangedSinceLastLook(), 'after a read').to.equal(true);
      await commitElsewhere('p-w1');
      expect(watch.unchangedSinceLastLook(), 'after another connection’s commit').to.equal(false);
      expect(watch.unchangedSinceLastLook()).to.equal(true);
      await store.hitRateLimit('k', new Date(T0.getTime() + 60_000), T0); // a relaxed write is a commit too
      expect(watch.unchangedSinceLastLook(), 'after this connection’s commit').to.equal(false);
    } finally {
      watch.close();
    }
  });

  it('counts a header whose two copies differ, or no -shm file, as changed', async function () {
    const watch = new CommitWatch(file);
    const missing = new CommitWatch(path.join(dir, 'none.db'));
    try {
      watch.unchangedSinceLastLook();
      expect(watch.unchangedSinceLastLook()).to.equal(true);
      // A writer caught between the two copies: the second copy's change counter (byte 48 + 8) differs.
      const fd = openSync(`${file}-shm`, 'r+');
      try {
        writeSync(fd, Buffer.from([0xff]), 0, 1, 48 + 8);
      } finally {
        closeSync(fd);
      }
      expect(watch.unchangedSinceLastLook(), 'copies differ').to.equal(false);
      expect(watch.unchangedSinceLastLook(), 'still torn').to.equal(false);
      expect(missing.unchangedSinceLastLook()).to.equal(false);
      expect(missing.unchangedSinceLastLook()).to.equal(false);
    } finally {
      watch.close();
      missing.close();
    }
  });

  it('gives the epoch another connection moved at the next read, and reads the row only after a commit', async function () {
    await commitElsewhere('p-e1');
    const epoch = store.getSecurityEpoch();
    const rowReads = countEpochRowReads(file);
    try {
      expect(store.getSecurityEpoch(), 'unchanged').to.equal(epoch);
      expect(rowReads.count, 'answered from the kept value').to.equal(0);
      // Moves the epoch (migration 8's triggers): an update of a tenant.
      await other.updateTenant('p-e1', { name: 'renamed' }, T0);
      expect(store.getSecurityEpoch(), 'moved by the other connection').to.be.above(epoch);
    } finally {
      rowReads.stop();
    }
  });
});

/** Reads of the epoch row by any connection on `file` from now on (better-sqlite3's Statement.get, observed). */
function countEpochRowReads(file: string): { count: number; stop(): void } {
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as {
    get: (...args: unknown[]) => unknown;
  };
  const original = proto.get;
  const counter = {
    count: 0,
    stop: () => void (proto.get = original),
  };
  proto.get = function (this: Database.Statement, ...args: unknown[]) {
    if (this.source.includes('FROM security_epoch') && this.database.name === file) counter.count++;
    return original.apply(this, args);
  };
  return counter;
}
