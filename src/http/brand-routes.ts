/**
 * A tenant's brand as files from 'self' (the CSP allows no inline style and no third-party image):
 * GET /brand/<tenant>.css — the colour custom properties; GET /brand/<tenant>/logo — the uploaded
 * image with its own type. Pages link them with `?<last change>` (no `=`: handlebars escapes it);
 * such a URL is cached for good, any other revalidates by ETag.
 */
import { createHash } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Tenant } from '../domain.js';
import { brandStylesheet, hasColours } from '../policy/branding.js';
import type { TenantStore } from '../store.js';

const TENANT = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The query of brand URLs: the tenant's last change. */
const brandVersion = (tenant: Tenant): string => tenant.updatedAt.getTime().toString(36);

/** The URLs a page of `tenant` links (null: nothing of that kind set, Tobira's own stands). */
export function brandUrls(tenant: Tenant): { stylesheet: string | null; logo: string | null } {
  const b = tenant.policy.branding;
  const v = brandVersion(tenant);
  return {
    stylesheet: hasColours(b) ? `/brand/${tenant.id}.css?${v}` : null,
    logo: b.logo ? `/brand/${tenant.id}/logo?${v}` : null,
  };
}

/** 200 with caching headers, or 304 when the browser's copy is current. */
function cacheable(ctx: Context, tenant: Tenant, etag: string): boolean {
  ctx.status = 200;
  ctx.etag = etag;
  ctx.set(
    'Cache-Control',
    ctx.querystring === brandVersion(tenant) ? 'public, max-age=31536000, immutable' : 'public, no-cache',
  );
  if (!ctx.fresh) return false;
  ctx.status = 304;
  return true;
}

export function brandRoutes(deps: { store: Pick<TenantStore, 'getTenant'> }): Router {
  const router = new Router();

  const tenantOf = async (id: string | undefined): Promise<Tenant | null> =>
    id && TENANT.test(id) ? deps.store.getTenant(id) : null;

  router.get('/brand/:file', async (ctx, next) => {
    const tenant = await tenantOf(/^(.+)\.css$/.exec(ctx.params.file ?? '')?.[1]);
    // A tenant without colours answers as an unknown one: the route must not tell which tenant IDs exist.
    if (!tenant || !hasColours(tenant.policy.branding)) return next();
    const css = brandStylesheet(tenant.policy.branding);
    if (cacheable(ctx, tenant, createHash('sha256').update(css).digest('base64url').slice(0, 22))) return;
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = css;
  });

  router.get('/brand/:tenant/logo', async (ctx, next) => {
    const tenant = await tenantOf(ctx.params.tenant);
    const logo = tenant?.policy.branding.logo;
    if (!tenant || !logo) return next();
    if (cacheable(ctx, tenant, `${tenant.id}-${brandVersion(tenant)}`)) return;
    // Only the three image types the policy admits; never sniffed into anything else.
    ctx.type = logo.contentType;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    ctx.body = Buffer.from(logo.data, 'base64');
  });

  return router;
}
