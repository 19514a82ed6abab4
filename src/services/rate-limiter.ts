/** Store-backed rate limiting, so limits hold across every process sharing the store. */
import type { Clock } from '../clock.js';
import { decide, windowsFor, type RateDecision, type RateRule } from '../policy/rate-limit.js';
import type { RateLimitStore } from '../store.js';

export type { RateDecision };

export class RateLimiter {
  readonly #store: RateLimitStore;
  readonly #clock: Clock;

  constructor(deps: { store: RateLimitStore; clock: Clock }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  /** Counts this request, then judges it; refused requests count too, so hammering stays refused. */
  async hit(rule: RateRule, subject: string): Promise<RateDecision> {
    const now = this.#clock.now();
    const windows = windowsFor(rule, subject, now);
    const [current, previous] = await Promise.all([
      this.#store.hitRateLimit(windows.current.key, windows.current.expiresAt, now),
      this.#store.countRateLimit(windows.previousKey, now),
    ]);
    return decide(rule, { current, previous }, windows, now);
  }
}
