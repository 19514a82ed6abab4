/**
 * Server-side state of one login interaction (never trusted from the browser), kept in the store's
 * short-lived state next to oidc-provider's own Interaction.
 */
import type { Clock } from '../src/clock.js';
import { EphemeralRecords } from '../src/services/ephemeral-records.js';
import type { LoginState } from '../src/services/login-flow.js';
import type { EphemeralStore } from '../src/store.js';

export type { LoginState };

export class LoginStateRepository {
  readonly #records: EphemeralRecords<LoginState>;

  constructor(deps: { store: EphemeralStore; clock: Clock; ttlSeconds: number }) {
    this.#records = new EphemeralRecords({ ...deps, kind: 'TobiraLogin' });
  }

  get(uid: string): Promise<LoginState | null> {
    return this.#records.get(uid);
  }

  save(uid: string, state: LoginState): Promise<void> {
    return this.#records.put(uid, state);
  }

  delete(uid: string): Promise<void> {
    return this.#records.delete(uid);
  }
}
