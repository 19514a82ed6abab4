/**
 * Whether any connection, in any process, has committed since the last look — from the WAL-index header
 * in the `-shm` file (https://sqlite.org/walformat.html, "the WAL-index header"), read with one pread,
 * without a read transaction (whose lock and unlock are two fcntl calls and SQLite's statement machinery:
 * 7–14 µs of a token request with the CPU's caches cold, 15–32 µs on a loaded machine).
 *
 * Every commit rewrites that header (its change counter, frame count and checksum) before any reader can
 * see the commit: readers find commits through it. So a header byte-for-byte the same as at the last look
 * means nothing was committed since — when the last look came before the read it vouches for (store.ts
 * reads the header first, then the epoch). A writer updates the header's two copies one after the other;
 * copies that differ (an update under way), an uninitialised header, or a short read count as "changed",
 * and the caller reads as before. A WAL restart also rewrites the header (new salts and counter).
 */
import fs from 'node:fs';

/** Two copies of the 48-byte header at the start of the -shm file. */
const HEADER_BYTES = 48;
/** The header's isInit byte: 1 once a connection has built the index. */
const IS_INIT = 12;

export class CommitWatch {
  readonly #shmPath: string;
  #fd: number | undefined;
  readonly #read = Buffer.alloc(2 * HEADER_BYTES);
  readonly #seen = Buffer.alloc(HEADER_BYTES);
  #hasSeen = false;

  /** `databasePath` is the main file; its WAL index is `<path>-shm` (SQLite's name). */
  constructor(databasePath: string) {
    this.#shmPath = `${databasePath}-shm`;
  }

  /** True when nothing was committed since the last call (false on the first call and when unsure). */
  unchangedSinceLastLook(): boolean {
    const header = this.#readHeader();
    if (!header) {
      this.#hasSeen = false;
      return false;
    }
    if (this.#hasSeen && header.equals(this.#seen)) return true;
    header.copy(this.#seen);
    this.#hasSeen = true;
    return false;
  }

  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** The header when both copies agree and it is initialised, else null. */
  #readHeader(): Buffer | null {
    try {
      // The -shm file lives as long as this process's connection (SQLite removes it with the last one).
      this.#fd ??= fs.openSync(this.#shmPath, 'r');
      if (fs.readSync(this.#fd, this.#read, 0, this.#read.length, 0) < this.#read.length) return null;
    } catch {
      return null;
    }
    const first = this.#read.subarray(0, HEADER_BYTES);
    if (first[IS_INIT] !== 1 || !first.equals(this.#read.subarray(HEADER_BYTES))) return null;
    return first;
  }
}
