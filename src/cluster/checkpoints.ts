/**
 * The primary's share of SQLite's work: the WAL's checkpoints (adapters/sqlite/checkpointer.ts), so that
 * the workers' event loops never wait for the database file's fsync. Loaded by the primary only when
 * the store is SQLite: the driver comes in then (a few MiB), never the server (primary-modules test).
 */
import { sqliteFile, type Config } from '../config.js';
import type { Logger } from '../log.js';

/** Starts the checkpoints for the config's SQLite file; the closer stops them. */
export async function checkpointInPrimary(config: Config, log: Logger): Promise<() => Promise<void>> {
  const file = sqliteFile(config);
  if (file === ':memory:') return async () => undefined;
  const { startWalCheckpointer } = await import('../../adapters/sqlite/checkpointer.js');
  const checkpointer = startWalCheckpointer({
    path: file,
    onError: logCheckpointFailure(log),
  });
  return async () => checkpointer.close();
}

/** How a failed checkpoint is told, the primary's and a single process's thread's alike. */
export const logCheckpointFailure =
  (log: Logger) =>
  (error: unknown): void =>
    log.warn('sqlite checkpoint failed', { error: String(error) });
