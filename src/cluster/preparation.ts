/**
 * The primary's side of preparing once (src/cli/prepare.ts): fork one process that builds Tobira, reports
 * and exits, and wait for that exit — the store is closed again before any worker opens it.
 */
import cluster from 'node:cluster';
import { isPrepared, PREPARE_ENV, type Prepared } from './protocol.js';

/** What the process reported, or its exit code when it failed (it said why on stderr). */
export function prepareInOwnProcess(): Promise<Prepared | { failed: number }> {
  return new Promise((resolve) => {
    let prepared: Prepared | null = null;
    const worker = cluster.fork({ [PREPARE_ENV]: '1' });
    worker.on('message', (message: unknown) => {
      if (isPrepared(message)) prepared = message;
    });
    // A channel error (the process going away) is followed by its exit, handled there.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => resolve(code === 0 && prepared ? prepared : { failed: code || 1 }));
  });
}
