/**
 * The one step every request takes before oidc-provider (src/http/request-front.ts): back-channel
 * requests skip the pages' middleware and carry the API headers and a request id; page requests go
 * through the pages; forwarding headers from an untrusted peer are gone before anything reads them; all
 * of it inside the request's store scope.
 */
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { forwardingStripper } from '../../src/http/client-context.js';
import { securityHeaderSetter } from '../../src/http/middleware.js';
import { RequestIds } from '../../src/http/request-id.js';
import { requestFront } from '../../src/http/request-front.js';
import { requestLogger } from '../../src/http/request-log.js';
import { createLogger } from '../../src/log.js';
import { noMetrics } from '../../src/metrics.js';
import { composePages } from '../../src/provider.js';
import { RequestCache } from '../../src/store/request-cache.js';

function app() {
  const cache = new RequestCache();
  const trust = { trustedProxies: [], certHeader: 'x-ssl-client-cert' };
  const seen: { pages: string[]; forwarded: unknown[]; requestIds: (string | undefined)[] } = {
    pages: [],
    forwarded: [],
    requestIds: [],
  };
  const requestIds = new RequestIds(cache);
  const koa = new Koa();
  koa.use(
    requestFront({
      scope: cache,
      strip: forwardingStripper(trust),
      log: requestLogger({ log: createLogger('silent'), metrics: noMetrics, trust, requestIds }),
      headers: securityHeaderSetter(),
      backChannel: new Set(['/token']),
      pages: composePages([
        (ctx: Koa.Context, next: Koa.Next) => {
          seen.pages.push(ctx.path);
          return next();
        },
      ]),
    }),
  );
  koa.use((ctx) => {
    seen.forwarded.push(ctx.get('x-forwarded-for') || undefined);
    seen.requestIds.push(requestIds.current());
    ctx.body = { ok: true };
  });
  return { callback: koa.callback(), seen };
}

describe('the request front (one step before oidc-provider)', function () {
  it('sends a back-channel request straight on with the API headers, its id carried in its scope', async function () {
    const { callback, seen } = app();
    const res = await request(callback).post('/token').set('x-forwarded-for', '203.0.113.9');
    expect(res.status).to.equal(200);
    expect(seen.pages).to.deep.equal([]);
    expect(res.headers['content-security-policy']).to.equal("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers).to.not.have.property('permissions-policy');
    expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    expect(seen.requestIds).to.deep.equal([res.headers['x-request-id']]);
    expect(seen.forwarded).to.deep.equal([undefined]);
  });

  it('sends any other request through the pages with the page headers', async function () {
    const { callback, seen } = app();
    const res = await request(callback).get('/guide').set('x-forwarded-for', '203.0.113.9');
    expect(res.status).to.equal(200);
    expect(seen.pages).to.deep.equal(['/guide']);
    expect(res.headers['permissions-policy']).to.be.a('string');
    expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    expect(seen.forwarded).to.deep.equal([undefined]);
  });
});
