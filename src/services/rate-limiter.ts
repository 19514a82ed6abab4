/** Store-backed rate limiting, so limits hold across every process sharing the store. */
import type { Clock } from '../clock.js';
import { bucketFor, overLimit, retryAfterSeconds, type RateRule } from '../policy/rate-limit.js';
import type { Store } from '../store.js';

export type RateDecision = { ok: true } | { ok: false; retryAfter: number };

export class RateLimiter {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(deps: { store: Store; clock: Clock }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  async hit(rule: RateRule, subject: string): Promise<RateDecision> {
    const now = this.#clock.now();
    const bucket = bucketFor(rule, subject, now);
    const count = await this.#store.hitRateLimit(bucket.key, bucket.expiresAt, now);
    return overLimit(rule, count) ? { ok: false, retryAfter: retryAfterSeconds(bucket, now) } : { ok: true };
  }
}
