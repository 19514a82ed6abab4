/** Role: rate limits — one counter per fixed window, shared by every process on the store. */

/** One bucket to count in, and the key of the window before it (read, not counted). */
export interface RateLimitHit {
  key: string;
  expiresAt: Date;
  previousKey: string;
}

export interface RateLimitCounts {
  /** The bucket's count after this hit. */
  current: number;
  /** The previous window's count (0 when none or expired). */
  previous: number;
}

export interface RateLimitStore {
  /** Increment the bucket's counter (creating it to expire at `expiresAt`) and return the new count. */
  hitRateLimit(key: string, expiresAt: Date, now: Date): Promise<number>;
  /** The bucket's count without changing it; 0 when there is none or it has expired. */
  countRateLimit(key: string, now: Date): Promise<number>;
  /**
   * A request's hits at once: each bucket counted as by `hitRateLimit`, each with its previous window's
   * count as by `countRateLimit` — one write (one transaction on SQLite) for all of a request's limits.
   */
  hitRateLimits(hits: RateLimitHit[], now: Date): Promise<RateLimitCounts[]>;
}
