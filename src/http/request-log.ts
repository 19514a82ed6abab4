/**
 * One structured access-log line (pino, through the Logger) and one metrics observation per request,
 * and the request id the rest of the request runs under. Paths are logged with their secret parts
 * masked (enrollment, download and recovery links carry bearer tokens), and never with the query
 * string (authorization requests carry state, nonce and PKCE values).
 */
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import type { RequestMetrics } from '../metrics.js';
import { isFromTrustedProxy, sourceIp, type ProxyTrust } from './client-context.js';
import { requestIdFor, type RequestIds } from './request-id.js';

/** First path segments that name a route; anything else counts as `other`, so labels stay bounded. */
const ROUTES = new Set([
  'auth',
  'token',
  'me',
  'jwks',
  'session',
  'reg',
  'request',
  'device',
  'backchannel',
  'interaction',
  'enroll',
  'download',
  'guide',
  'recovery',
  'account',
  'admin',
  'ca',
  'assets',
  'healthz',
  'readyz',
  'metrics',
]);

const QUIET_ROUTES = new Set(['healthz', 'readyz', 'metrics']);

/** A bounded route name for metrics: the first path segment when it is one of Tobira's. */
export function routeOf(path: string): string {
  if (path === '/') return 'root';
  if (path.startsWith('/.well-known/')) return 'discovery';
  const end = path.indexOf('/', 1);
  const first = path.slice(1, end === -1 ? undefined : end);
  return ROUTES.has(first) ? first : 'other';
}

/** Long random-looking segments (tokens, interaction UIDs) become `:token`. */
export const redactPath = (path: string): string =>
  path
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_-]{20,}$/.test(segment) ? ':token' : segment))
    .join('/');

export interface RequestLogDeps {
  log: Logger;
  metrics: RequestMetrics;
  trust: ProxyTrust;
  requestIds: RequestIds;
}

/**
 * `around(ctx, rest)`: gives the request its id (sent back as X-Request-Id), runs `rest` under it, then
 * observes the request (metrics, access log) however it ended. request-front.ts calls it in its one step.
 */
export function requestLogger(deps: RequestLogDeps) {
  return {
    around<T>(ctx: Context, rest: () => Promise<T>): Promise<T> {
      const started = process.hrtime.bigint();
      const requestId = requestIdFor(ctx.get('x-request-id'), isFromTrustedProxy(ctx.req, deps.trust));
      ctx.state.requestId = requestId;
      // Set first: the error pages keep headers already set, so a failed request still names its id.
      ctx.set('x-request-id', requestId); // lower case: Node's key, no per-request lower-casing
      // One promise step, not an async function's: every request pays for each (and its async hooks).
      return deps.requestIds.run(requestId, rest).then(
        (result) => {
          observe(ctx, started, requestId);
          return result;
        },
        (error: unknown) => {
          observe(ctx, started, requestId);
          throw error;
        },
      );
    },
  };

  function observe(ctx: Context, started: bigint, requestId: string): void {
    // Runs outside the error page middleware, so a thrown error is already its 4xx/5xx status here.
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = routeOf(ctx.path);
    deps.metrics.request({ method: ctx.method, route, status: ctx.status, seconds });
    // Load balancers and scrapers poll these every few seconds; log them only when they fail.
    if ((!QUIET_ROUTES.has(route) || ctx.status >= 400) && deps.log.enabled?.('info') !== false)
      deps.log.info('request', {
        method: ctx.method,
        path: redactPath(ctx.path),
        route,
        status: ctx.status,
        ms: Math.round(seconds * 1000),
        ip: sourceIp(ctx.req, deps.trust),
        bytes: ctx.response.length ?? null,
        requestId,
      });
  }
}

/** `requestLogger` as Koa middleware. */
export function requestLog(deps: RequestLogDeps) {
  const logger = requestLogger(deps);
  return (ctx: Context, next: Next) => logger.around(ctx, next);
}
