/** Admin API middleware: API-key authentication (rate-limited when it fails) and JSON errors. */
import type { Context, Next } from 'koa';
import type { Tobira } from '../app.js';
import { sourceIp, type ProxyTrust } from '../http/client-context.js';
import type { RateRule } from '../policy/rate-limit.js';
import { sha256Hex } from '../random.js';
import { EnrollmentError } from '../services/enrollment.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import { StoreConflictError, StoreUnavailableError } from '../store.js';
import { AdminError } from './errors.js';

/** Failed authentications allowed per source IP and minute before the API answers 429. */
export const ADMIN_AUTH_FAILURES: RateRule = { name: 'admin-auth-failures', windowSeconds: 60, max: 30 };

/** API keys are random 256-bit values, so guessing is hopeless; the limit keeps scanners out of the logs. */
export function authenticate(
  store: Tobira['store'],
  clock: Tobira['clock'],
  limit: { rateLimiter: RateLimiter; trust: ProxyTrust },
) {
  return async (ctx: Context, next: Next) => {
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(ctx.get('authorization'));
    const key = match ? await store.getApiKeyByHash(sha256Hex(match[1]!)) : null;
    if (!key || (key.revokedAt && key.revokedAt <= clock.now())) {
      const decision = await limit.rateLimiter.hit(ADMIN_AUTH_FAILURES, sourceIp(ctx.req, limit.trust));
      if (!decision.ok) {
        ctx.set('Retry-After', String(decision.retryAfter));
        throw new AdminError('rate_limited', 'too many requests without a valid API key; try again later');
      }
      ctx.set('WWW-Authenticate', 'Bearer realm="tobira-admin"');
      throw new AdminError('unauthorized', 'a valid admin API key is required (Authorization: Bearer <key>)');
    }
    Object.assign(ctx.state, { apiKeyId: key.id, apiKeyTenantId: key.tenantId });
    await next();
  };
}

export async function errors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (error) {
    const known =
      error instanceof AdminError
        ? error
        : error instanceof EnrollmentError
          ? new AdminError(
              error.code === 'enrollment.user_id_taken' ? 'conflict' : 'invalid_request',
              error.message,
              { code: error.code },
            )
          : error instanceof StoreConflictError
            ? new AdminError('conflict', `${error.field} already exists`, { field: error.field })
            : error instanceof StoreUnavailableError
              ? new AdminError('store_unavailable', 'the store is unavailable; try again shortly')
              : (error as { status?: number }).status === 400
                ? new AdminError('invalid_request', 'the request body is not valid JSON')
                : null;
    if (!known) throw error;
    ctx.status = known.status;
    ctx.body = {
      error: known.code,
      message: known.message,
      ...(known.details ? { details: known.details } : {}),
    };
  }
}
