/**
 * SQLite checkpoints away from the serving connections (adapters/sqlite/checkpointer.ts): a cluster
 * worker's connection leaves the WAL to the primary's checkpointer, which copies it into the database
 * file on its own connection; a single process runs them on a thread of its own; a store opened without
 * either still checkpoints in its connection. In WAL mode the
 * database file is written by checkpoints only, so its size tells who copied what.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  startCheckpointThread,
  startWalCheckpointer,
  type WalCheckpointer,
} from '../../adapters/sqlite/checkpointer.js';
import { openSqliteStore, SqliteStore } from '../../adapters/sqlite/index.js';
import type { Store } from '../../src/store.js';

const T0 = new Date('2026-01-01T00:00:00Z');

describe('SQLite checkpoints by the cluster’s primary', function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  let store: Store | undefined;
  let checkpointer: WalCheckpointer | undefined;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-checkpoint-'));
    file = path.join(dir, 'tobira.db');
  });
  afterEach(async function () {
    checkpointer?.close();
    checkpointer = undefined;
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** Commits `n` small transactions (relaxed upserts: no sync to wait for), a WAL page and more each. */
  const commit = async (n: number) => {
    for (let i = 0; i < n; i++)
      await store!.oidcUpsert('Session', `s-${i}`, { jti: `s-${i}`, pad: 'x'.repeat(200) }, 3600, T0);
  };
  const databaseBytes = async () => (await stat(file)).size;
  /** The database file's size once it differs from `before` (a timer's checkpoint ran), or after 10 s. */
  const grownFrom = async (before: number) => {
    const deadline = Date.now() + 10_000;
    while ((await databaseBytes()) === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    return databaseBytes();
  };

  it('leaves a worker’s WAL to the checkpointer, which copies all of it into the database file', async function () {
    store = await openSqliteStore({ path: file, checkpoints: 'elsewhere' });
    const before = await databaseBytes();
    await commit(1500);
    expect(await databaseBytes(), 'the worker did not checkpoint').to.equal(before);
    checkpointer = startWalCheckpointer({
      path: file,
      intervalMs: 3_600_000,
      onError: (e) => {
        throw e;
      },
    });
    const result = checkpointer.checkpoint();
    expect(result.log, 'more frames than SQLite’s default threshold').to.be.above(1000);
    expect(result.checkpointed, 'all of them copied').to.equal(result.log);
    expect(await databaseBytes()).to.be.above(before);
  });

  it('checkpoints on its timer', async function () {
    store = await openSqliteStore({ path: file, checkpoints: 'elsewhere' });
    const before = await databaseBytes();
    checkpointer = startWalCheckpointer({
      path: file,
      intervalMs: 20,
      onError: (e) => {
        throw e;
      },
    });
    await commit(300);
    expect(await grownFrom(before), 'copied by the timer’s checkpoint').to.be.above(before);
  });

  it('runs them on a thread of its own for a single process, which leaves its connection’s WAL to it', async function () {
    const sqlite = new SqliteStore(file, { checkpoints: 'thread', checkpointIntervalMs: 20 });
    store = sqlite;
    await sqlite.init();
    const before = await databaseBytes();
    await commit(300);
    expect(await grownFrom(before), 'copied by the thread').to.be.above(before);
  });

  it('tells its listener when the thread cannot checkpoint', async function () {
    const heard: unknown[] = [];
    const thread = startCheckpointThread({
      path: path.join(dir, 'missing', 'tobira.db'),
      intervalMs: 20,
      onError: (error) => heard.push(error),
    });
    for (let i = 0; i < 100 && !heard.length; i += 1) await new Promise((r) => setTimeout(r, 20));
    await thread.close();
    expect(String(heard[0]), 'the driver’s own error').to.match(/Cannot open database/);
  });

  it('stops the thread when the store closes', async function () {
    const sqlite = new SqliteStore(file, { checkpoints: 'thread', checkpointIntervalMs: 20 });
    await sqlite.init();
    const threads = () => readdirSync('/proc/self/task').length;
    const running = threads();
    await sqlite.close();
    expect(threads(), 'one thread fewer').to.equal(running - 1);
  });

  it('leaves them to the connection when opened without either (SQLite’s default)', async function () {
    store = await openSqliteStore({ path: file });
    const before = await databaseBytes();
    await commit(1500);
    expect(await databaseBytes(), 'checkpointed by the connection').to.be.above(before);
  });
});
