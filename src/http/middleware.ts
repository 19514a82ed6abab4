/** Cross-cutting Koa middleware: security headers, static assets, error pages (503 when the store is down). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Next } from 'koa';
import type { Views } from '../../interactions/views.js';
import { localeOf, render } from '../../interactions/page.js';
import { t } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { StoreUnavailableError } from '../store.js';

const CSP = [
  "default-src 'none'",
  // Tobira's pages have no script. oidc-provider adds the hash of its own inline script (form_post and
  // the logout auto-submit) to this directive while it renders; the 'none' then goes (see below).
  "script-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  // No form-action: Chromium applies it to the redirect chain that ends at the relying party.
].join('; ');

export function securityHeaders() {
  return async (ctx: Context, next: Next) => {
    // Set before the routes run: oidc-provider only adds its script hash to a CSP already present.
    ctx.set('Content-Security-Policy', CSP);
    try {
      await next();
    } finally {
      setSecurityHeaders(ctx);
    }
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

/** Set even when a later middleware threw (the error page needs them as much as any page). */
function setSecurityHeaders(ctx: Context): void {
  ctx.set('Strict-Transport-Security', 'max-age=31536000');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form posts,
  // and the Origin check (interactions/same-origin.ts) needs the real one. Other sites still get nothing.
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  // A handler may have replaced the headers (an error page); every page still gets the policy.
  const csp = ctx.response.get('Content-Security-Policy');
  ctx.set('Content-Security-Policy', csp ? withoutNoneBesideHashes(csp) : CSP);
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
      if (status >= 500) deps.log.error('request failed', { err: error, path: ctx.path, method: ctx.method });
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
