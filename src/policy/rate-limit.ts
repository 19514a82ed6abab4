/**
 * Sliding-window rate limits, pure. The store keeps one counter per fixed window; a request is
 * judged on the current window's count plus the previous window's, weighted by how much of the
 * previous window still lies inside the sliding one. Plain fixed windows let a client spend twice
 * the limit across a boundary; this estimate keeps any window of the rule's length near `max`.
 */
export interface RateRule {
  /** Bucket name, e.g. `login-ip`. */
  name: string;
  windowSeconds: number;
  max: number;
}

export interface RateWindows {
  /** The bucket this request counts in; kept two windows so the next one can weigh it. */
  current: { key: string; expiresAt: Date };
  previousKey: string;
  /** Share of the previous window still inside the sliding window, in (0, 1]. */
  previousWeight: number;
  /** When the current window ends. */
  endsAt: Date;
}

export function windowsFor(rule: RateRule, subject: string, now: Date): RateWindows {
  const windowMs = rule.windowSeconds * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  const key = (windowStart: number) => `${rule.name}:${subject}:${windowStart}`;
  return {
    current: { key: key(start), expiresAt: new Date(start + 2 * windowMs) },
    previousKey: key(start - windowMs),
    previousWeight: 1 - (now.getTime() - start) / windowMs,
    endsAt: new Date(start + windowMs),
  };
}

export type RateDecision = { ok: true } | { ok: false; retryAfter: number };

/**
 * Over when the weighted estimate exceeds `max`. Retry-After is when the estimate, with no further
 * requests, falls back to `max`: later in this window as the previous one slides out, or in the next
 * window as this one does.
 */
export function decide(
  rule: RateRule,
  counts: { current: number; previous: number },
  windows: RateWindows,
  now: Date,
): RateDecision {
  const { current, previous } = counts;
  if (current + previous * windows.previousWeight <= rule.max) return { ok: true };
  const windowMs = rule.windowSeconds * 1000;
  const untilEnd = windows.endsAt.getTime() - now.getTime();
  const waitMs =
    current <= rule.max
      ? untilEnd - windowMs * ((rule.max - current) / previous)
      : untilEnd + windowMs * (1 - rule.max / current);
  return { ok: false, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
}

export interface LoginRateRules {
  perIp: RateRule;
  perAccount: RateRule;
}

/** Per account the lockout policy is the real limit; this one stops scripts hammering a locked door. */
export const loginRateRules = (perIpPerMinute: number, perAccountPerMinute: number): LoginRateRules => ({
  perIp: { name: 'login-ip', windowSeconds: 60, max: perIpPerMinute },
  perAccount: { name: 'login-account', windowSeconds: 60, max: perAccountPerMinute },
});
