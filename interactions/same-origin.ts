/**
 * A second line behind the CSRF tokens: a POST to one of Tobira's own forms must come from a page of
 * Tobira's own origin. Browsers send `Origin` on every form POST (and `Sec-Fetch-Site`); a request
 * with neither header nor `Referer` (an old client, a stripping proxy) is left to the token alone.
 */
import type { Context, Next } from 'koa';
import { renderMessage } from './page.js';
import type { Views } from './views.js';

/** The page routes whose forms this guards (oidc-provider's own endpoints take cross-site posts by design). */
const FORM_PREFIXES = ['/interaction/', '/enroll/', '/download/', '/recovery/', '/account/'];

/** Pure: does this request's provenance say it came from `origin`? */
export function sameOrigin(
  headers: { origin?: string; referer?: string; secFetchSite?: string },
  origin: string,
): boolean {
  if (headers.secFetchSite === 'cross-site' || headers.secFetchSite === 'same-site') return false;
  if (headers.origin) return headers.origin === origin;
  if (headers.referer) {
    try {
      return new URL(headers.referer).origin === origin;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Is this path one of those forms' however it is spelled? The router matches case-insensitively, so
 * `/INTERACTION/…` reaches the same handlers (escapes such as `/%61ccount/` do not route today, but are
 * read decoded all the same; a path that does not decode is guarded).
 */
export function guardedPath(path: string): boolean {
  let plain: string;
  try {
    plain = decodeURIComponent(path).toLowerCase();
  } catch {
    return true;
  }
  return FORM_PREFIXES.some((prefix) => plain.startsWith(prefix));
}

export function sameOriginForms(deps: { issuer: string; views: Views }) {
  const origin = new URL(deps.issuer).origin;
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'POST' && guardedPath(ctx.path)) {
      const provenance = {
        origin: ctx.get('origin') || undefined,
        referer: ctx.get('referer') || undefined,
        secFetchSite: ctx.get('sec-fetch-site') || undefined,
      };
      if (!sameOrigin(provenance, origin)) {
        renderMessage(ctx, deps.views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
        return;
      }
    }
    await next();
  };
}
