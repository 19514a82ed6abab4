/**
 * The admin API (SPEC §8): JSON over HTTPS under /admin/v1, authenticated by API keys (stored as
 * SHA-256). Routes only translate HTTP: the operations layer (shared with the CLI) authorises, acts
 * and audits. One route table drives both the router and the
 * OpenAPI document served at /admin/v1/openapi.json.
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { ProxyTrust } from '../http/client-context.js';
import { operations, type OperationDeps } from '../operations/index.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import { accountRoutes } from './account-routes.js';
import { authenticate, errors, noStore } from './middleware.js';
import { openApiDocument } from './openapi.js';
import { recordRoutes } from './record-routes.js';
import { routeTable } from './route-table.js';
import { tenantRoutes } from './tenant-routes.js';

export { ADMIN_AUTH_FAILURES } from './middleware.js';
export const ADMIN_PREFIX = '/admin/v1';

export function adminRoutes(deps: OperationDeps, trust: ProxyTrust, rateLimiter: RateLimiter): Router {
  const router = new Router({ prefix: ADMIN_PREFIX });
  router.use(
    noStore,
    errors,
    authenticate(deps.store, deps.clock, { rateLimiter, trust }),
    bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' }),
  );
  const { route, routes } = routeTable(router, trust);
  const ops = operations(deps);
  for (const area of [tenantRoutes, accountRoutes, recordRoutes]) area(route, ops);

  const document = openApiDocument(ADMIN_PREFIX, routes);
  // Public: the document describes the API, it grants nothing.
  const publicRouter = new Router();
  publicRouter.get(`${ADMIN_PREFIX}/openapi.json`, noStore, (ctx) => {
    ctx.body = document;
  });
  return new Router().use(publicRouter.routes()).use(router.routes(), router.allowedMethods());
}
