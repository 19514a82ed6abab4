/**
 * oidc-provider's AsyncLocalStorage: the one that carries the request's Koa context to `Provider.ctx`.
 * The request cache (store/request-cache.ts) carries its request in it too, so the process runs one
 * storage instead of two — on Node 20 every AsyncLocalStorage ever run is copied onto every promise the
 * process creates, a cost on every token request. oidc-provider runs it for its own routes with the
 * same context (`ensureOIDC`); Tobira's middleware runs it first, for every request.
 *
 * The module is oidc-provider's internal one (lib/helpers/als.js, stable since v7): checked here at
 * start, and by test/http/provider-context.test.ts against `Provider.ctx`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import als from 'oidc-provider/lib/helpers/als.js';

if (!(als instanceof AsyncLocalStorage))
  throw new Error('oidc-provider/lib/helpers/als.js is no longer an AsyncLocalStorage');

export const providerContexts: AsyncLocalStorage<object> = als;
