/**
 * The request cache rides on oidc-provider's AsyncLocalStorage (src/provider-context.ts): the storage it
 * imports must be the one behind `Provider.ctx`, and a request's scope must be found both in Tobira's
 * middleware and inside oidc-provider's own run of that storage for the same context (ensureOIDC).
 */
import { expect } from 'chai';
import type Koa from 'koa';
import Provider from 'oidc-provider';
import { providerContexts } from '../../src/provider-context.js';
import { RequestCache } from '../../src/store/request-cache.js';

describe('request context shared with oidc-provider', function () {
  it('is the storage behind Provider.ctx', function () {
    const ctx = {};
    expect(providerContexts.run(ctx, () => Provider.ctx)).to.equal(ctx);
    expect(Provider.ctx).to.equal(undefined);
  });

  it('finds the request’s scope in Tobira’s middleware and inside oidc-provider’s own run, not after', async function () {
    const cache = new RequestCache({ contexts: providerContexts });
    const ctx = {} as Koa.Context;
    const seen: (string | undefined)[] = [];
    let later: Promise<string | undefined> | undefined;
    await cache.middleware()(ctx, async () => {
      expect(cache.carryRequestId('r-1')).to.equal(true);
      seen.push(cache.carriedRequestId());
      // oidc-provider's ensureOIDC runs the same storage again with the same context.
      await providerContexts.run(ctx, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(cache.carriedRequestId());
      });
      later = new Promise((resolve) => setTimeout(() => resolve(cache.carriedRequestId()), 5));
    });
    expect(seen).to.deep.equal(['r-1', 'r-1']);
    expect(await later).to.equal('r-1'); // background work keeps its request's id (audit events)
    expect(cache.carriedRequestId()).to.equal(undefined);
    // Another request's context, run by oidc-provider alone, has no scope of this cache's.
    expect(providerContexts.run({}, () => cache.carryRequestId('r-2'))).to.equal(false);
  });
});
