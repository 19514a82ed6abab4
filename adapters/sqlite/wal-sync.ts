/**
 * Makes committed transactions durable by syncing the write-ahead log off the event loop.
 *
 * The connection commits with `synchronous = NORMAL` (connection.ts): a commit appends its frames to the
 * WAL and is visible at once, without waiting for the disk. What `synchronous = FULL` adds in WAL mode is
 * exactly one sync of the WAL file after the commit frame (SQLite syncs the WAL header at a restart
 * and the WAL before and the database after each checkpoint under NORMAL too; with powersafe overwrite,
 * Linux's default, FULL pads nothing). So a NORMAL commit followed by `fdatasync` of the WAL is as durable
 * as a FULL commit, and the sync need not hold the write lock nor stop the event loop: it runs on libuv's
 * pool while the process serves other requests, and the caller is answered once it is done.
 * A checkpoint that copies the frames into the database before this sync lands has synced them itself
 * (the WAL before copying, the database after), and the WAL restarts only after a complete checkpoint, so
 * frames overwritten before this sync are already durable in the database file.
 *
 * Commits made while a sync is under way wait for the next one, which then serves all of them (group
 * commit): the sync under way may have started before their frames were written.
 *
 * A failed sync leaves the kernel's state of those pages unknown (a retried fsync can report success
 * for data it dropped), so the failure sticks: every later durable write fails as unavailable until the
 * process restarts and SQLite recovers the file from what is on disk.
 */
import fs from 'node:fs';
import { StoreUnavailableError } from '../../src/store.js';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class WalSync {
  readonly #walPath: string;
  #fd: number | undefined;
  /** Callers whose commits the sync under way may not include: served by the next one. */
  #waiting: Waiter[] = [];
  #syncing = false;
  #failure: StoreUnavailableError | undefined;
  /** Closers waiting for the sync under way. */
  #idle: (() => void)[] = [];

  /** `databasePath` is the main file; its WAL is `<path>-wal` (SQLite's name). */
  constructor(databasePath: string) {
    this.#walPath = `${databasePath}-wal`;
  }

  /** Resolves once every commit made before the call is on disk. */
  sync(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (!this.#syncing) this.#start();
    });
  }

  /** Waits for the syncs under way, then closes the file. */
  async close(): Promise<void> {
    if (this.#syncing) await new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  #start(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#syncing = true;
    let fd: number;
    try {
      // Opened once: the WAL keeps its inode while this process's connection is open (SQLite deletes
      // it only when the last connection closes; a checkpoint restarts or truncates it in place).
      fd = this.#fd ??= fs.openSync(this.#walPath, 'r+');
    } catch (error) {
      this.#settle(batch, error as NodeJS.ErrnoException);
      return;
    }
    fs.fdatasync(fd, (error) => this.#settle(batch, error));
  }

  #settle(batch: Waiter[], error: NodeJS.ErrnoException | null): void {
    this.#syncing = false;
    if (error) {
      this.#failure ??= new StoreUnavailableError(
        `the SQLite write-ahead log could not be synced (${error.code ?? error.message})`,
        { cause: error },
      );
      for (const waiter of [...batch, ...this.#waiting.splice(0)]) waiter.reject(this.#failure);
    } else {
      for (const waiter of batch) waiter.resolve();
      if (this.#waiting.length > 0) return this.#start();
    }
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
