/**
 * Which certificate signed an OIDC session in: session uid → certificate fingerprint, stored as an
 * expiring artifact right after the login resumes the authorization. Codes and tokens carry their
 * session's uid, so the binding reaches every token of that login. It must outlive every token that
 * relies on it (`ttlSeconds` ≥ the longest session, code or refresh-token lifetime): a token whose
 * binding is gone is refused, never trusted unbound.
 */
import type { Clock } from '../clock.js';
import type { EphemeralStore } from '../store.js';

const MODEL = 'TobiraSessionCertificate';

export class SessionBindings {
  readonly #store: EphemeralStore;
  readonly #clock: Clock;
  readonly #ttlSeconds: number;

  constructor(deps: { store: EphemeralStore; clock: Clock; ttlSeconds: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#ttlSeconds = deps.ttlSeconds;
  }

  async bind(sessionUid: string, certFingerprint: string): Promise<void> {
    await this.#store.putState(MODEL, sessionUid, { certFingerprint }, this.#ttlSeconds, this.#clock.now());
  }

  async get(sessionUid: string | undefined): Promise<string | null> {
    if (!sessionUid) return null;
    const found = await this.#store.getState(MODEL, sessionUid, this.#clock.now());
    return typeof found?.certFingerprint === 'string' ? found.certFingerprint : null;
  }
}
