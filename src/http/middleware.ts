/** Cross-cutting Koa middleware: security headers (koa-helmet), static assets, error pages (503 when the store is down). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Next } from 'koa';
import koaHelmet from 'koa-helmet';
import type { Views } from '../../interactions/views.js';
import { localeOf, render } from '../../interactions/page.js';
import { t } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { redactPath } from './request-log.js';
import { StoreUnavailableError } from '../store.js';

/**
 * koa-helmet with Tobira's policy. Pages have no script: `script-src 'none'`. oidc-provider adds the
 * hash of its own inline script (form_post and the logout auto-submit) to a CSP already present while
 * it renders — helmet sets it before the routes run — and the 'none' then goes (see below).
 */
const helmet = koaHelmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      // No form-action: Chromium applies it to the redirect chain that ends at the relying party.
    },
  },
  strictTransportSecurity: { maxAge: 31536000, includeSubDomains: false },
  xFrameOptions: { action: 'deny' },
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form posts,
  // and the Origin check (interactions/same-origin.ts) needs the real one. Other sites still get nothing.
  referrerPolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/** Helmet has no Permissions-Policy. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=()';

/**
 * What helmet does to every response, recorded once: with this configuration every header is a constant
 * (helmet builds its values up front), so each request just sets the list instead of going through
 * helmet's middleware chain and koa-helmet's promise. Helmet sets them synchronously.
 */
function recordHelmet(): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const res = {
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  void helmet({ req: {}, res } as unknown as Context, async () => undefined);
  if (set.length === 0) throw new Error('helmet set no header synchronously');
  return { set, removed };
}

/**
 * The headers of a JSON API response (OWASP REST Security cheat sheet): nothing to render, frame or
 * load, HTTPS only, no sniffing, no referrer; same-origin loads only. oidc-provider adds its own
 * `Cache-Control: no-store` where a response carries tokens or claims. The page-only headers (the
 * page CSP, Permissions-Policy, COOP, helmet's legacy browser switches) govern documents, which these
 * responses never are. Measured and kept (Node 24, a bare HTTPS server answering the same JSON, 8
 * keep-alive connections, interleaved): these six and X-Request-Id cost ~2.5 µs of CPU per response.
 */
function apiHeaders(pageHeaders: readonly [string, string][]): [string, string][] {
  const hsts = pageHeaders.find(([name]) => name.toLowerCase() === 'strict-transport-security');
  if (!hsts) throw new Error('helmet set no Strict-Transport-Security');
  return [
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    hsts,
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
  ];
}

/**
 * The headers on every response, set by a plain function (request-front.ts calls it in its one step):
 * `api` for oidc-provider's back-channel JSON endpoints (token, introspection, revocation, userinfo,
 * JWKS), which get the API set, six headers instead of fifteen on the busiest routes.
 */
export function securityHeaderSetter(): (ctx: Context, api: boolean) => void {
  const { set, removed: helmetRemoved } = recordHelmet();
  // Names in lower case, as Node keys them: setHeader lower-cases each name, and a name that changes
  // becomes a new string to look up in V8's string table on every request (~2 µs for six headers).
  const lower = (list: readonly [string, string][]) =>
    list.map(([name, value]): [string, string] => [name.toLowerCase(), value]);
  const headers = lower([['Permissions-Policy', PERMISSIONS_POLICY], ...set]);
  const api = lower(apiHeaders(set));
  const removed = helmetRemoved.map((name) => name.toLowerCase());
  return (ctx, isApi) => {
    for (const [name, value] of isApi ? api : headers) ctx.res.setHeader(name, value);
    for (const name of removed) ctx.res.removeHeader(name);
  };
}

/** `securityHeaderSetter` as Koa middleware, requests to `apiPaths` getting the API set. */
export function securityHeaders(options: { apiPaths?: ReadonlySet<string> } = {}) {
  const setHeaders = securityHeaderSetter();
  const apiPaths = options.apiPaths ?? new Set<string>();
  return (ctx: Context, next: Next) => {
    setHeaders(ctx, apiPaths.has(ctx.path));
    return next();
  };
}

/**
 * On pages only (oidc-provider's form_post and logout pages; the back-channel never carries a hash):
 * a `script-src` that gained oidc-provider's inline-script hash keeps just its hashes.
 */
export function scriptHashesAlone() {
  return async (ctx: Context, next: Next) => {
    await next();
    const csp = ctx.response.get('Content-Security-Policy');
    if (csp.includes("'sha256-")) ctx.set('Content-Security-Policy', withoutNoneBesideHashes(csp));
  };
}

/**
 * `script-src 'none' 'sha256-…'`: 'none' must stand alone (browsers ignore it beside a source, with a
 * console warning), so a directive that gained a hash keeps just its hashes.
 */
export function withoutNoneBesideHashes(csp: string): string {
  return csp
    .split(';')
    .map((directive) => {
      const [name = '', ...values] = directive.trim().split(/\s+/);
      const sources = values.length > 1 ? values.filter((v) => v !== "'none'") : values;
      return [name, ...sources].join(' ');
    })
    .join('; ');
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Files under `dir` at /assets/<name>; names are a flat, safe set (no traversal possible). */
export function staticAssets(dir: URL) {
  const root = fileURLToPath(dir);
  return async (ctx: Context, next: Next) => {
    const match = /^\/assets\/([a-z0-9][a-z0-9._-]*)$/i.exec(ctx.path);
    if (!match || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const name = match[1]!;
    const type = TYPES[path.extname(name)];
    if (!type) return next();
    try {
      ctx.body = await readFile(path.join(root, name));
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
    } catch {
      return next();
    }
  };
}

const wantsJson = (ctx: Context) => ctx.path.startsWith('/admin/') || ctx.accepts('html', 'json') === 'json';

/** Store outages answer 503 (page or JSON) instead of crashing; unknown errors 500 without details. */
export function errorPages(deps: { views: Views; log: Logger }) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      const unavailable = error instanceof StoreUnavailableError;
      const status = unavailable ? 503 : ((error as { status?: number }).status ?? 500);
      if (status >= 500)
        deps.log.error('request failed', {
          err: error,
          path: redactPath(ctx.path),
          method: ctx.method,
          requestId: ctx.state.requestId as string | undefined,
        });
      const code = unavailable
        ? 'store_unavailable'
        : status === 404
          ? 'not_found'
          : status < 500
            ? 'bad_request'
            : 'server_error';
      if (unavailable) ctx.set('Retry-After', '5');
      if (wantsJson(ctx)) {
        ctx.status = status;
        ctx.body = { error: code };
        return;
      }
      const locale = localeOf(ctx);
      const message = unavailable
        ? 'error.unavailable'
        : status === 404
          ? 'error.not_found'
          : 'error.generic';
      render(
        ctx,
        deps.views,
        'message',
        {
          locale,
          title: 'error.title',
          heading: 'error.title',
          paragraphs: [t(locale, message)],
          detail: t(locale, 'error.code', { code }),
        },
        status,
      );
    }
  };
}
