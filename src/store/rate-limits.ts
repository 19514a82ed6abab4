/** Role: rate limits — one counter per fixed window, shared by every process on the store. */

export interface RateLimitStore {
  /** Increment the bucket's counter (creating it to expire at `expiresAt`) and return the new count. */
  hitRateLimit(key: string, expiresAt: Date, now: Date): Promise<number>;
  /** The bucket's count without changing it; 0 when there is none or it has expired. */
  countRateLimit(key: string, now: Date): Promise<number>;
}
