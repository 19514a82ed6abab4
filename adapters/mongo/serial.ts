/**
 * One operation at a time, for a server whose conditional updates are not atomic: FerretDB v1 reads
 * the matching documents, applies the update in its own process and writes them back, with no
 * isolation between the two (FerretDB issue #3040), so two concurrent `updateOne({ usedAt: null })`
 * both succeed. Serialising the store's operations makes one Tobira process correct on it; several
 * processes on one FerretDB are not (docs/deploy-mongodb.md). Re-entrant: an operation that calls
 * another (a unit of work issuing certificates) runs it inside its own turn.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class SerialQueue {
  readonly #holding = new AsyncLocalStorage<true>();
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#holding.getStore()) return operation();
    const turn = this.#tail.then(() => this.#holding.run(true, operation));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }
}
