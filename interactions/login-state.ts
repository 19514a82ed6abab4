/**
 * Server-side state of one login interaction (never trusted from the browser), kept in the store's
 * short-lived state next to oidc-provider's own Interaction.
 */
import type { Clock } from '../src/clock.js';
import type { LoginState } from '../src/services/login-flow.js';
import type { EphemeralStore } from '../src/store.js';

export type { LoginState };

const KIND = 'TobiraLogin';

export class LoginStateRepository {
  readonly #store: EphemeralStore;
  readonly #clock: Clock;
  readonly #ttlSeconds: number;

  constructor(deps: { store: EphemeralStore; clock: Clock; ttlSeconds: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#ttlSeconds = deps.ttlSeconds;
  }

  async get(uid: string): Promise<LoginState | null> {
    const payload = await this.#store.getState(KIND, uid, this.#clock.now());
    return payload ? (payload as unknown as LoginState) : null;
  }

  async save(uid: string, state: LoginState): Promise<void> {
    await this.#store.putState(KIND, uid, { ...state }, this.#ttlSeconds, this.#clock.now());
  }

  async delete(uid: string): Promise<void> {
    await this.#store.deleteState(KIND, uid);
  }
}
