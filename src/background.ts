/**
 * Work a request starts but does not wait for, kept track of: failures are logged, not lost in an
 * unhandled rejection, and shutdown waits for what is still running.
 */
import type { Logger } from './log.js';

export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(name: string, task: () => Promise<unknown>): void {
    const running: Promise<void> = task()
      .then(() => undefined)
      .catch((err: unknown) => this.log.error('background task failed', { task: name, err }))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  /** Resolves once every task started so far has finished. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}
