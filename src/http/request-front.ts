/**
 * What every request passes through before oidc-provider, as one Koa middleware (one step of Koa's
 * dispatch, not five): the request's store scope (store/request-cache.ts), forwarding headers from
 * untrusted peers dropped (client-context.ts), its id and access-log line (request-log.ts), the security
 * headers (middleware.ts), then the pages' middleware and routers — which requests to oidc-provider's
 * back-channel endpoints (token, introspection, revocation, userinfo, JWKS) skip: they get the API's
 * headers and go straight on. In that order, as the separate middleware ran before; each keeps its own
 * tests as Koa middleware made of the same function.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { PageMiddleware } from '../provider.js';

export interface RequestFrontSteps {
  /** The request's store scope: runs the rest of the request inside it (RequestCache.run). */
  scope: { run(ctx: object, rest: () => Promise<unknown>): Promise<unknown> };
  strip: (req: IncomingMessage) => void;
  log: { around<T>(ctx: Context, rest: () => Promise<T>): Promise<T> };
  headers: (ctx: Context, api: boolean) => void;
  /** Paths of oidc-provider's back-channel endpoints (provider.ts backChannelPaths). */
  backChannel: ReadonlySet<string>;
  /** The pages' middleware and routers as one (provider.ts composePages). */
  pages: PageMiddleware;
}

export function requestFront(steps: RequestFrontSteps) {
  const { scope, strip, log, headers, backChannel, pages } = steps;
  return (ctx: Context, next: Next) =>
    scope.run(ctx, () => {
      strip(ctx.req);
      const api = backChannel.has(ctx.path);
      return log.around(ctx, () => {
        headers(ctx, api);
        return api ? next() : Promise.resolve(pages(ctx, next));
      });
    });
}
