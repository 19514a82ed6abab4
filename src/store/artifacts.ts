/**
 * Roles over the one table/collection of expiring records: oidc-provider's artifacts (its adapter's
 * model), and Tobira's own short-lived state (login state, account and form sessions, session
 * bindings) — a role of its own, so that state never reaches for oidc-provider's lookups.
 */

/** The oidc-provider models the store persists (see oidc-provider's Adapter interface). */
export interface OidcPayload {
  [key: string]: unknown;
  uid?: string;
  userCode?: string;
  grantId?: string;
  consumed?: number;
}

/** oidc-provider artifacts (model = 'Session', 'AccessToken', 'Grant', 'Interaction', …). */
export interface OidcArtifactStore {
  oidcUpsert(
    model: string,
    id: string,
    payload: OidcPayload,
    expiresInSeconds: number | undefined,
    now: Date,
  ): Promise<void>;
  /** Returns null once expired at `now`. */
  oidcFind(model: string, id: string, now: Date): Promise<OidcPayload | null>;
  oidcFindByUid(model: string, uid: string, now: Date): Promise<OidcPayload | null>;
  oidcFindByUserCode(model: string, userCode: string, now: Date): Promise<OidcPayload | null>;
  /**
   * Sets payload.consumed = epoch seconds of `now` if it is not set yet, in one conditional write: true
   * when this call consumed it, false when it was consumed already (or is gone) — so of two redemptions
   * of one code or rotating refresh token racing past oidc-provider's own `consumed` check, one loses.
   */
  oidcConsume(model: string, id: string, now: Date): Promise<boolean>;
  oidcDestroy(model: string, id: string): Promise<void>;
  oidcRevokeByGrantId(grantId: string): Promise<void>;
  /** Remove expired artifacts (Mongo does it by TTL index; SQLite by this sweep). */
  oidcPurgeExpired(now: Date): Promise<number>;
}

/** One record of Tobira's own short-lived state: plain JSON, stored as given and returned as a copy. */
export type EphemeralRecord = Record<string, unknown>;

/**
 * Tobira's own short-lived state, by `kind` (e.g. 'TobiraFormSession') and id. It shares the artifacts'
 * storage and expiry (purged with them), so a `kind` must not be an oidc-provider model name.
 */
export interface EphemeralStore {
  /** Store the record under (kind, id), replacing any, to expire `ttlSeconds` after `now`. */
  putState(kind: string, id: string, record: EphemeralRecord, ttlSeconds: number, now: Date): Promise<void>;
  /** The record, or null when missing or expired at `now`. */
  getState(kind: string, id: string, now: Date): Promise<EphemeralRecord | null>;
  deleteState(kind: string, id: string): Promise<void>;
}
