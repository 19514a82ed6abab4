/**
 * Server-side state of one login interaction (never trusted from the browser), kept in the store's
 * short-lived state next to oidc-provider's own Interaction.
 */
import type { Clock } from '../src/clock.js';
import { EphemeralRecords } from '../src/services/ephemeral-records.js';
import type { LoginState } from '../src/services/login-flow.js';
import type { EphemeralStore } from '../src/store.js';

export type { LoginState };

/** What an ended login leaves under its uid (see `delete`). */
interface Ended {
  ended: true;
}

export class LoginStateRepository {
  readonly #records: EphemeralRecords<LoginState | Ended>;

  constructor(deps: { store: EphemeralStore; clock: Clock; ttlSeconds: number }) {
    this.#records = new EphemeralRecords({ ...deps, kind: 'TobiraLogin' });
  }

  async get(uid: string): Promise<LoginState | null> {
    const found = await this.#records.get(uid);
    return found && !('ended' in found) ? found : null;
  }

  save(uid: string, state: LoginState): Promise<void> {
    return this.#records.put(uid, state);
  }

  /**
   * End the login's state (done, refused or cancelled). Overwritten by a marker, not deleted: saving
   * short-lived state may commit without waiting for the disk, a deletion may not
   * (adapters/sqlite/durability.ts). Lost at a power cut, the state before comes back — a step the user
   * must pass again; the write-ahead log loses only its tail, so nothing done after it survives either.
   */
  delete(uid: string): Promise<void> {
    return this.#records.put(uid, { ended: true });
  }
}
