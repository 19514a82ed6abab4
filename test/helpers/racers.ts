/**
 * Several processes, each with its own connection to one store, released together on the same
 * operation: the only way a race on SQLite can happen (its driver is synchronous, so calls in one
 * process never interleave). Each contender is test/helpers/race-worker.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type RaceTarget = { kind: 'sqlite'; path: string } | { kind: 'mongodb'; uri: string; dbName: string };

/** What every contender calls `calls` times per id (all ids, all at once, once released). */
export type RaceOp = { now: number } & (
  | { name: 'reserveAttempt' | 'reserveTicketAttempt'; ids: string[]; calls: number; max: number }
  | { name: 'consumeTicket' | 'hitRateLimit'; ids: string[]; calls: number }
  | { name: 'advanceTotpStep'; ids: string[]; calls: number; step: number }
  | { name: 'claimMail'; batch: number }
);

export type WorkerMessage = { ready: true } | { armed: true } | { results: unknown } | { error: string };

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'race-worker.ts');

export class Racers {
  readonly #workers: ChildProcess[];

  private constructor(workers: ChildProcess[]) {
    this.#workers = workers;
  }

  /** Starts `n` contender processes and waits until each has its own open store. */
  static async start(n: number, target: RaceTarget): Promise<Racers> {
    const workers = Array.from({ length: n }, () =>
      fork(WORKER, [], { execArgv: ['--import', 'tsx', '--no-warnings'], stdio: 'inherit' }),
    );
    const racers = new Racers(workers);
    try {
      await racers.#all(() => ({ target }));
    } catch (error) {
      racers.kill();
      throw error;
    }
    return racers;
  }

  /** Every contender runs `op`; they are armed first, then released at the same moment. */
  async race<T>(op: RaceOp): Promise<T[]> {
    await this.#all(() => ({ arm: op }));
    const results = await this.#all(() => ({ go: true }));
    return results.map((r) => (r as { results: T }).results);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map((w) => {
        const exited = once(w, 'exit');
        w.send({ close: true });
        return exited;
      }),
    );
  }

  kill(): void {
    for (const w of this.#workers) w.kill('SIGKILL');
  }

  /** Sends each worker its message (all first, then waits) and collects one answer from each. */
  #all(message: () => object): Promise<WorkerMessage[]> {
    const answers = this.#workers.map(
      (w) =>
        new Promise<WorkerMessage>((resolve, reject) => {
          const onExit = (code: number) => reject(new Error(`race worker exited with ${code}`));
          w.once('exit', onExit);
          w.once('message', (m: WorkerMessage) => {
            w.off('exit', onExit);
            if ('error' in m) reject(new Error(m.error));
            else resolve(m);
          });
        }),
    );
    for (const w of this.#workers) w.send(message());
    return Promise.all(answers);
  }
}
