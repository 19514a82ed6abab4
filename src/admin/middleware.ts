/** Admin API middleware: API-key authentication (rate-limited when it fails) and JSON errors. */
import type { Context, Next } from 'koa';
import type { Tobira } from '../app.js';
import { sourceIp, type ProxyTrust } from '../http/client-context.js';
import { OperationError, type OperationErrorCode } from '../operations/index.js';
import type { RateRule } from '../policy/rate-limit.js';
import { sha256Hex } from '../random.js';
import { ClientRegistrationError } from '../services/clients.js';
import { EnrollmentError } from '../services/enrollment.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import { TenantCreationError } from '../services/tenants.js';
import { TerminalEmailError } from '../services/terminal-email.js';
import { StoreConflictError, StoreError, StoreUnavailableError } from '../store.js';
import { AdminError, type AdminErrorCode } from './errors.js';

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

/**
 * Every admin response may carry a secret shown once (a one-time password, a client secret) or
 * personal data: no cache, shared or private, may keep it. Set first, so errors carry it too.
 */
export async function noStore(ctx: Context, next: Next) {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
}

const OPERATION_ERRORS: Record<OperationErrorCode, AdminErrorCode> = {
  not_found: 'not_found',
  platform_only: 'forbidden',
  'tenant.invalid_id': 'invalid_request',
  'tenant.invalid_policy': 'invalid_request',
  'account.not_locked': 'conflict',
  'account.login_method_not_allowed': 'invalid_request',
  'terminal.invalid_email': 'invalid_request',
};

/** An operation's refusal: its own details (e.g. policy paths), or the rule's code when it names one. */
const fromOperation = (error: OperationError) =>
  new AdminError(
    OPERATION_ERRORS[error.code],
    error.code === 'tenant.invalid_policy' ? 'invalid policy' : error.message,
    error.details ?? (error.code.includes('.') ? { code: error.code } : undefined),
  );

/** A service's typed error as the API reports it: a status class, the service's stable code in details. */
function adminErrorOf(error: unknown): AdminError | null {
  if (error instanceof AdminError) return error;
  if (error instanceof OperationError) return fromOperation(error);
  if (error instanceof EnrollmentError)
    return new AdminError(
      error.code === 'enrollment.user_id_taken' ? 'conflict' : 'invalid_request',
      error.message,
      { code: error.code },
    );
  if (error instanceof ClientRegistrationError)
    return new AdminError('invalid_request', error.message, { code: error.code, ...error.details });
  if (error instanceof TenantCreationError)
    return new AdminError('conflict', error.message, { code: error.code });
  // The terminal's stored address is what stands in the way: 409 until it is changed.
  if (error instanceof TerminalEmailError)
    return new AdminError('conflict', error.message, {
      code: error.code,
      terminal: error.terminalNumber,
      asciiEquivalent: error.asciiEquivalent,
    });
  if (error instanceof StoreConflictError)
    return new AdminError('conflict', `${error.field} already exists`, { field: error.field });
  if (error instanceof StoreUnavailableError)
    return new AdminError('store_unavailable', 'the store is unavailable; try again shortly');
  // A record the request builds on vanished between reading and writing (deleted meanwhile): the
  // request was sound, the state moved under it. The store's message names internal IDs: not shown.
  if (error instanceof StoreError && error.code === 'store_reference_missing')
    return new AdminError('conflict', 'a record this request refers to no longer exists; read it again', {
      code: error.code,
    });
  if ((error as { status?: number }).status === 400)
    return new AdminError('invalid_request', 'the request body is not valid JSON');
  if ((error as { status?: number }).status === 413)
    return new AdminError('invalid_request', 'the request body is too large');
  if ((error as { status?: number }).status === 415)
    return new AdminError('invalid_request', 'the request body must be application/json');
  return null;
}

export async function errors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (error) {
    const known = adminErrorOf(error);
    if (!known) throw error;
    ctx.status = known.status;
    ctx.body = {
      error: known.code,
      message: known.message,
      ...(known.details ? { details: known.details } : {}),
    };
  }
}
