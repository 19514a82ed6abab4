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
    return this.hitAll([[rule, subject]]);
  }

  /**
   * Several rules for one request in one store write: every rule's bucket counts the request, then the
   * first rule that refuses it decides. (A request refused per source IP thus counts on its account
   * too — no more than its wrong passwords would, which the account's lockout counts anyway.)
   */
  async hitAll(checks: readonly (readonly [rule: RateRule, subject: string])[]): Promise<RateDecision> {
    const now = this.#clock.now();
    const windows = checks.map(([rule, subject]) => windowsFor(rule, subject, now));
    const counts = await this.#store.hitRateLimits(
      windows.map((w) => ({
        key: w.current.key,
        expiresAt: w.current.expiresAt,
        previousKey: w.previousKey,
      })),
      now,
    );
    for (const [i, [rule]] of checks.entries()) {
      const decision = decide(rule, counts[i]!, windows[i]!, now);
      if (!decision.ok) return decision;
    }
    return { ok: true };
  }
}
