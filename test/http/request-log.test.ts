/** Pure parts of request logging and the metrics endpoint: route labels, masked paths, request ids, who may scrape. */
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import type { Views } from '../../interactions/views.js';
import { errorPages } from '../../src/http/middleware.js';
import { createLogger } from '../../src/log.js';
import { noMetrics } from '../../src/metrics.js';
import { scrapeAccess } from '../../src/http/metrics-routes.js';
import { RequestIds, requestIdFor } from '../../src/http/request-id.js';
import { RequestCache } from '../../src/store/request-cache.js';
import { redactPath, requestLog, routeOf } from '../../src/http/request-log.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request log and metrics access', function () {
  it('labels requests with a bounded route name', function () {
    const cases: [string, string][] = [
      ['/', 'root'],
      ['/.well-known/openid-configuration', 'discovery'],
      ['/auth', 'auth'],
      ['/token/introspection', 'token'],
      ['/interaction/abc/login', 'interaction'],
      ['/enroll/tok/credentials', 'enroll'],
      ['/admin/v1/accounts/p-00-demo', 'admin'],
      ['/metrics', 'metrics'],
      ['/wp-login.php', 'other'],
      ['/interactionx', 'other'],
      ['', 'other'],
    ];
    for (const [path, route] of cases) expect(routeOf(path), path).to.equal(route);
  });

  it('masks tokens and interaction ids in logged paths, keeps the rest', function () {
    const token = 'Qm9vLXRva2VuLWZvci10ZXN0cy0xMjM0NTY3ODkwYWI';
    expect(redactPath(`/download/${token}`)).to.equal('/download/:token');
    expect(redactPath(`/enroll/${token}/credentials`)).to.equal('/enroll/:token/credentials');
    expect(redactPath('/interaction/x2LBh8jbb5qx4BV3wbx0m/login')).to.equal('/interaction/:token/login');
    expect(redactPath('/admin/v1/accounts/p-00-demo')).to.equal('/admin/v1/accounts/p-00-demo');
    expect(redactPath('/account/terminals/2/edit')).to.equal('/account/terminals/2/edit');
  });

  it('takes a request id only from a trusted proxy, and only when well formed', function () {
    for (const good of [
      '0af3b2c4d5e6f7080af3b2c4d5e6f708',
      'd1b2c3a4-0000-4000-8000-000000000001',
      'lb.1:req_9',
    ])
      expect(requestIdFor(good, true), good).to.equal(good);
    expect(requestIdFor('0af3b2c4d5e6f708', false), 'from anyone else').to.match(UUID);
    for (const bad of [
      undefined,
      '',
      'two words',
      'a\r\nSet-Cookie: x=1',
      '-lead',
      '"q"',
      'é',
      'x'.repeat(129),
    ])
      expect(requestIdFor(bad, true), String(bad)).to.match(UUID);
    expect(requestIdFor(undefined, false)).to.not.equal(requestIdFor(undefined, false));
  });

  it('keeps the current request id across awaits, and none outside a request', async function () {
    const ids = new RequestIds();
    expect(ids.current()).to.equal(undefined);
    const seen = await Promise.all(
      ['one', 'two'].map((id) =>
        ids.run(id, async () => {
          await new Promise((resolve) => setTimeout(resolve, id === 'one' ? 10 : 1));
          return ids.current();
        }),
      ),
    );
    expect(seen).to.deep.equal(['one', 'two']);
    expect(ids.current()).to.equal(undefined);
  });

  it('carries the id in the request cache’s context: per request, across awaits, in background work', async function () {
    const cache = new RequestCache();
    const ids = new RequestIds(cache);
    const background: Promise<string | undefined>[] = [];
    const handle = (id: string) =>
      cache.middleware()({} as Koa.Context, () =>
        ids.run(id, async () => {
          await new Promise((resolve) => setTimeout(resolve, id === 'one' ? 10 : 1));
          expect(ids.current()).to.equal(id);
          background.push(new Promise((resolve) => setTimeout(() => resolve(ids.current()), 5)));
        }),
      );
    await Promise.all([handle('one'), handle('two')]);
    expect((await Promise.all(background)).sort()).to.deep.equal(['one', 'two']);
    expect(ids.current()).to.equal(undefined);
  });

  it('logs a failed request once as an error and once in the access log, path masked, one request id', async function () {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const koa = new Koa();
    const trust = { trustedProxies: [], certHeader: 'x-ssl-client-cert' };
    koa.use(requestLog({ log, metrics: noMetrics, trust, requestIds: new RequestIds() }));
    // JSON answers only: the error pages never reach for views.
    koa.use(errorPages({ views: {} as Views, log }));
    koa.use(() => {
      throw new Error('store exploded');
    });
    const token = 'Qm9vLXRva2VuLWZvci10ZXN0cy0xMjM0NTY3ODkwYWI';
    const res = await request(koa.callback()).get(`/download/${token}`).set('accept', 'application/json');
    expect(res.status).to.equal(500);
    expect(res.body).to.deep.equal({ error: 'server_error' });
    const id = res.headers['x-request-id'] as string;
    expect(id).to.match(UUID);
    expect(lines.map((l) => [l.level, l.msg, l.path, l.requestId])).to.deep.equal([
      ['error', 'request failed', '/download/:token', id],
      ['info', 'request', '/download/:token', id],
    ]);
    expect(JSON.stringify(lines)).to.not.include(token);
  });

  it('lets a scraper in with the right bearer token, or from this host when no token is set', function () {
    const token = 'metrics-token-0123456789';
    const base = { authorization: '', peer: '127.0.0.1', viaTrustedProxy: false };
    expect(scrapeAccess({ ...base, token, authorization: `Bearer ${token}` })).to.equal('ok');
    expect(scrapeAccess({ ...base, token, authorization: 'Bearer wrong' })).to.equal(401);
    expect(scrapeAccess({ ...base, token }), 'a token, when set, is needed even locally').to.equal(401);
    expect(scrapeAccess({ ...base, token: undefined })).to.equal('ok');
    expect(scrapeAccess({ ...base, token: undefined, peer: '::ffff:127.0.0.1' })).to.equal('ok');
    expect(scrapeAccess({ ...base, token: undefined, peer: '::1' })).to.equal('ok');
    expect(scrapeAccess({ ...base, token: undefined, peer: '192.0.2.7' })).to.equal(403);
    expect(
      scrapeAccess({ ...base, token: undefined, viaTrustedProxy: true }),
      'a local nginx relays every client: not local',
    ).to.equal(403);
  });
});
