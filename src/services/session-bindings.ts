/**
 * Which certificate signed an OIDC session in: session uid → certificate fingerprint, stored as an
 * expiring artifact right after the login resumes the authorization. Codes and tokens carry their
 * session's uid, so the binding reaches every token of that login. It must outlive every token that
 * relies on it (`ttlSeconds` ≥ the longest session, code or refresh-token lifetime): a token whose
 * binding is gone is refused, never trusted unbound.
 */
import type { Clock } from '../clock.js';
import type { EphemeralStore } from '../store.js';
import { EphemeralRecords } from './ephemeral-records.js';

/** `at`: when the login that made it resumed (epoch ms); absent in bindings written before it was kept. */
interface Binding {
  certFingerprint: string;
  exp?: number;
  at?: number;
}

export class SessionBindings {
  readonly #records: EphemeralRecords<Binding>;
  readonly #clock: Clock;
  readonly #ttlSeconds: number;

  constructor(deps: { store: EphemeralStore; clock: Clock; ttlSeconds: number }) {
    this.#records = new EphemeralRecords({ ...deps, kind: 'TobiraSessionCertificate' });
    this.#clock = deps.clock;
    this.#ttlSeconds = deps.ttlSeconds;
  }

  /** The record carries its expiry (`exp`, seconds, as the store's), so a copy kept in memory can check it. */
  bind(sessionUid: string, certFingerprint: string): Promise<void> {
    const at = this.#clock.now().getTime();
    const exp = Math.floor(at / 1000) + this.#ttlSeconds;
    return this.#records.put(sessionUid, { certFingerprint, exp, at });
  }

  /** The bound fingerprint (asked on every token request: one promise step, no async frame of its own). */
  get(sessionUid: string | undefined): Promise<string | null> {
    if (!sessionUid) return Promise.resolve(null);
    return this.#records.get(sessionUid).then(fingerprintOf);
  }

  /** When the session's latest login resumed (epoch ms), or null: a single sign-on leaves it as it was. */
  boundAt(sessionUid: string | undefined): Promise<number | null> {
    if (!sessionUid) return Promise.resolve(null);
    return this.#records.get(sessionUid).then((found) => (typeof found?.at === 'number' ? found.at : null));
  }
}

const fingerprintOf = (found: { certFingerprint?: unknown } | null): string | null =>
  typeof found?.certFingerprint === 'string' ? found.certFingerprint : null;
