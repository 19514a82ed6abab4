/** Rate-limit buckets (one per fixed window) and admin API keys. */
import type Database from 'better-sqlite3';
import type { ApiKey } from '../../src/domain.js';
import type { NewApiKey, RateLimitCounts, RateLimitHit } from '../../src/store.js';
import { ms, toApiKey, type Row } from './rows.js';

export class RateLimits {
  readonly #hit: Database.Statement<unknown[], { count: number }>;
  readonly #count: Database.Statement<unknown[], { count: number }>;
  readonly #purge: Database.Statement<unknown[]>;
  readonly #hitMany: (hits: RateLimitHit[], now: Date) => RateLimitCounts[];

  constructor(db: Database.Database) {
    // One upsert: a new bucket starts at 1; an expired one starts over with the new window; a live one
    // counts up and keeps its window.
    this.#hit = db.prepare(
      `INSERT INTO rate_limits (key, count, expires_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.expires_at <= ? THEN 1 ELSE rate_limits.count + 1 END,
         expires_at = CASE WHEN rate_limits.expires_at <= ? THEN excluded.expires_at ELSE rate_limits.expires_at END
       RETURNING count`,
    );
    this.#count = db.prepare('SELECT count FROM rate_limits WHERE key = ? AND expires_at > ?');
    this.#purge = db.prepare('DELETE FROM rate_limits WHERE expires_at <= ?');
    this.#hitMany = db.transaction((hits: RateLimitHit[], now: Date) =>
      hits.map((h) => ({
        current: this.hit(h.key, h.expiresAt, now),
        previous: this.count(h.previousKey, now),
      })),
    );
  }

  hitMany(hits: RateLimitHit[], now: Date): RateLimitCounts[] {
    return this.#hitMany(hits, now);
  }

  hit(key: string, expiresAt: Date, now: Date): number {
    return this.#hit.get(key, ms(expiresAt), ms(now), ms(now))!.count;
  }

  count(key: string, now: Date): number {
    return this.#count.get(key, ms(now))?.count ?? 0;
  }

  purgeExpired(now: Date): number {
    return this.#purge.run(ms(now)).changes;
  }
}

export class ApiKeyTable {
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #byHash: Database.Statement<[string], Row>;
  readonly #all: Database.Statement<[], Row>;
  readonly #revoke: Database.Statement<[number | null, string]>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      'INSERT INTO api_keys (id, key_hash, label, tenant_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
    );
    this.#byHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?');
    this.#all = db.prepare('SELECT * FROM api_keys ORDER BY created_at, rowid');
    this.#revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  create(k: NewApiKey, now: Date): ApiKey {
    return toApiKey(this.#insert.get(k.id, k.keyHash, k.label, k.tenantId ?? null, ms(now))!);
  }

  getByHash(keyHash: string): ApiKey | null {
    const row = this.#byHash.get(keyHash);
    return row ? toApiKey(row) : null;
  }

  list(): ApiKey[] {
    return this.#all.all().map(toApiKey);
  }

  revoke(id: string, now: Date): boolean {
    return this.#revoke.run(ms(now), id).changes === 1;
  }
}
