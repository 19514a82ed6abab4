/**
 * Typed records of one kind in the store's short-lived state (`EphemeralStore`): what Tobira keeps
 * server-side for a while — a login's state, a session's certificate binding — each under an id,
 * expiring `ttlSeconds` after its last write.
 */
import type { Clock } from '../clock.js';
import type { EphemeralStore } from '../store.js';

export class EphemeralRecords<T extends object> {
  readonly #store: EphemeralStore;
  readonly #clock: Clock;
  readonly #kind: string;
  readonly #ttlSeconds: number;

  constructor(deps: { store: EphemeralStore; clock: Clock; kind: string; ttlSeconds: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#kind = deps.kind;
    this.#ttlSeconds = deps.ttlSeconds;
  }

  async get(id: string): Promise<T | null> {
    return (await this.#store.getState(this.#kind, id, this.#clock.now())) as T | null;
  }

  async put(id: string, record: T): Promise<void> {
    const payload = { ...record } as Record<string, unknown>;
    await this.#store.putState(this.#kind, id, payload, this.#ttlSeconds, this.#clock.now());
  }

  async delete(id: string): Promise<void> {
    await this.#store.deleteState(this.#kind, id);
  }
}
