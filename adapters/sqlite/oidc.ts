/**
 * oidc-provider artifacts (Session, Grant, AccessToken, …) in one table keyed by (model, id), with the
 * lookups the Adapter interface needs indexed beside the JSON payload: uid, user code and grant id.
 */
import type Database from 'better-sqlite3';
import type { OidcPayload } from '../../src/store.js';
import { ms } from './rows.js';

interface ArtifactRow {
  payload: string;
  consumed_at: number | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

function toPayload(row: ArtifactRow | undefined): OidcPayload | null {
  if (!row) return null;
  const payload = JSON.parse(row.payload) as OidcPayload;
  return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
}

export class OidcArtifacts {
  readonly #upsert: Database.Statement<unknown[]>;
  readonly #byId: Database.Statement<unknown[], ArtifactRow>;
  readonly #byUid: Database.Statement<unknown[], ArtifactRow>;
  readonly #byUserCode: Database.Statement<unknown[], ArtifactRow>;
  readonly #consume: Database.Statement<unknown[]>;
  readonly #destroy: Database.Statement<[string, string]>;
  readonly #revokeGrant: Database.Statement<[string]>;
  readonly #purge: Database.Statement<unknown[]>;

  constructor(db: Database.Database) {
    // A re-saved artifact is a new version: its consumption (if any) does not carry over.
    this.#upsert = db.prepare(
      `INSERT INTO oidc (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
         uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = NULL`,
    );
    const find = (key: string) =>
      db.prepare<unknown[], ArtifactRow>(
        `SELECT payload, consumed_at FROM oidc WHERE model = ? AND ${key} = ? AND ${LIVE}`,
      );
    this.#byId = find('id');
    this.#byUid = find('uid');
    this.#byUserCode = find('user_code');
    this.#consume = db.prepare(
      'UPDATE oidc SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL',
    );
    this.#destroy = db.prepare('DELETE FROM oidc WHERE model = ? AND id = ?');
    this.#revokeGrant = db.prepare('DELETE FROM oidc WHERE grant_id = ?');
    this.#purge = db.prepare('DELETE FROM oidc WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  upsert(
    model: string,
    id: string,
    payload: OidcPayload,
    expiresInSeconds: number | undefined,
    now: Date,
  ): void {
    const expiresAt = expiresInSeconds ? now.getTime() + expiresInSeconds * 1000 : null;
    const { grantId = null, uid = null, userCode = null } = payload;
    this.#upsert.run(model, id, JSON.stringify(payload), grantId, uid, userCode, expiresAt);
  }

  find(model: string, id: string, now: Date): OidcPayload | null {
    return toPayload(this.#byId.get(model, id, ms(now)));
  }

  findByUid(model: string, uid: string, now: Date): OidcPayload | null {
    return toPayload(this.#byUid.get(model, uid, ms(now)));
  }

  findByUserCode(model: string, userCode: string, now: Date): OidcPayload | null {
    return toPayload(this.#byUserCode.get(model, userCode, ms(now)));
  }

  consume(model: string, id: string, now: Date): boolean {
    return this.#consume.run(ms(now), model, id).changes === 1;
  }

  destroy(model: string, id: string): void {
    this.#destroy.run(model, id);
  }

  revokeByGrantId(grantId: string): void {
    this.#revokeGrant.run(grantId);
  }

  purgeExpired(now: Date): number {
    return this.#purge.run(ms(now)).changes;
  }
}
