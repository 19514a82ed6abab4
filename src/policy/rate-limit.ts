/** Fixed-window rate limits, pure: which bucket a request falls in and whether it is over. */
export interface RateRule {
  /** Bucket name, e.g. `login-ip`. */
  name: string;
  windowSeconds: number;
  max: number;
}

export interface Bucket {
  key: string;
  expiresAt: Date;
}

export function bucketFor(rule: RateRule, subject: string, now: Date): Bucket {
  const windowMs = rule.windowSeconds * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { key: `${rule.name}:${subject}:${start}`, expiresAt: new Date(start + windowMs) };
}

export const overLimit = (rule: RateRule, count: number): boolean => count > rule.max;

/** Seconds until the window resets (for Retry-After). */
export const retryAfterSeconds = (bucket: Bucket, now: Date): number =>
  Math.max(1, Math.ceil((bucket.expiresAt.getTime() - now.getTime()) / 1000));

export interface LoginRateRules {
  perIp: RateRule;
  perAccount: RateRule;
}

/** Per account the lockout policy is the real limit; this one stops scripts hammering a locked door. */
export const loginRateRules = (perIpPerMinute: number, perAccountPerMinute: number): LoginRateRules => ({
  perIp: { name: 'login-ip', windowSeconds: 60, max: perIpPerMinute },
  perAccount: { name: 'login-account', windowSeconds: 60, max: perAccountPerMinute },
});
