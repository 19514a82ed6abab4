/**
 * Another connection's lock on SQLite (adapters/sqlite/connection.ts, waitForLock): the store's call
 * waits for it between turns of the event loop — the process goes on serving meanwhile — and runs once
 * the lock is free, exactly once (a transaction that met the lock changed nothing).
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { isLockBusy, openDatabase } from '../../adapters/sqlite/connection.js';
import { SqliteStore } from '../../adapters/sqlite/index.js';
import { StoreUnavailableError } from '../../src/store.js';

describe('SQLite: waiting for another connection’s lock', function () {
  let dir: string;
  let store: SqliteStore;
  let other: Database.Database;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-lock-wait-'));
    const file = path.join(dir, 'l.db');
    store = new SqliteStore(file);
    await store.init();
    other = openDatabase(file); // another worker's connection
  });
  afterEach(async function () {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Holds the write lock on the other connection until the returned function is called. */
  function holdWriteLock(): () => void {
    other.exec('BEGIN IMMEDIATE');
    return () => other.exec('COMMIT');
  }

  it('lets the event loop run while it waits, then writes once the lock is free', async function () {
    const release = holdWriteLock();
    const events: string[] = [];
    const written = store
      .hitRateLimit('ip:lock-wait', new Date(Date.now() + 60_000), new Date())
      .then((count) => {
        events.push('written');
        return count;
      });
    // SQLite's own busy handler would sleep in this thread: this timer could not run before the write
    // gave up, and the lock would never be released.
    setTimeout(() => {
      events.push('released');
      release();
    }, 30);
    expect(await written).to.equal(1);
    expect(events).to.deep.equal(['released', 'written']);
  });

  it('runs a transaction that met the lock exactly once', async function () {
    const release = holdWriteLock();
    const at = new Date();
    const later = new Date(at.getTime() + 60_000);
    const hits = store.hitRateLimits(
      [
        { key: 'ip:a', expiresAt: later, previousKey: 'ip:a-prev' },
        { key: 'acct:a', expiresAt: later, previousKey: 'acct:a-prev' },
      ],
      at,
    );
    setTimeout(release, 20);
    const counts = await hits;
    expect(counts.map((c) => c.current)).to.deep.equal([1, 1]);
    expect(await store.countRateLimit('ip:a', at)).to.equal(1);
  });

  it('reads while another connection writes, without waiting', async function () {
    const release = holdWriteLock();
    try {
      expect(await store.countRateLimit('ip:none', new Date())).to.equal(0);
    } finally {
      release();
    }
  });

  it('knows SQLite’s busy codes and only those', function () {
    expect(isLockBusy(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }))).to.equal(true);
    expect(isLockBusy(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).to.equal(true);
    expect(isLockBusy(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).to.equal(false);
    expect(isLockBusy(new Error('x'))).to.equal(false);
    expect(isLockBusy(null)).to.equal(false);
  });

  it('still answers "unavailable" for a lock held past the busy timeout', async function () {
    this.timeout(20_000);
    const release = holdWriteLock();
    try {
      const error = await store.hitRateLimit('ip:held', new Date(Date.now() + 60_000), new Date()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(StoreUnavailableError);
    } finally {
      release();
    }
  });
});
