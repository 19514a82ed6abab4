/**
 * The security headers every response carries (koa-helmet configured to Tobira’s policy; the back-channel
 * JSON endpoints the smaller API set), and the one exception: a page into which oidc-provider pushed its
 * inline script's hash (form_post, the logout auto-submit) gets exactly that hash as its script source. Pages are checked in Chromium by
 * test/e2e/browser-form-post.test.ts; this pins every header down on a small Koa app over HTTP.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import Koa from 'koa';
import request from 'supertest';
import { scriptHashesAlone, securityHeaders, withoutNoneBesideHashes } from '../../src/http/middleware.js';
import { startTestTobira } from '../helpers/tobira.js';

const POLICY =
  "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/** What oidc-provider's helpers/script_src_sha.js does while it renders a page with an inline script. */
function pushScriptSrcSha(ctx: Koa.Context, script: string): void {
  const csp = ctx.response.get('content-security-policy');
  const directives = csp.split(';').map((d) => d.trim().split(/\s+/));
  const digest = createHash('sha256').update(script).digest('base64');
  for (const d of directives) if (d[0] === 'script-src') d.push(`'sha256-${digest}'`);
  ctx.set('content-security-policy', directives.map((d) => d.join(' ')).join(';'));
}

/** Directive name → sources, order kept, for comparing policies whatever their separators. */
const parse = (csp: string) =>
  Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );

/** Every security header a response may carry, lower case (the page set). */
const SECURITY_HEADERS = [
  'content-security-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'permissions-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

/** The set of a back-channel JSON response (OWASP REST Security cheat sheet; docs/SECURITY.md). */
const API_SET = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

const securityHeadersOf = (headers: Record<string, unknown>) =>
  Object.fromEntries(SECURITY_HEADERS.filter((h) => h in headers).map((h) => [h, headers[h]]));

function app() {
  const koa = new Koa();
  koa.use(securityHeaders({ apiPaths: new Set(['/token']) }));
  // As src/app.ts mounts it: on pages (the back-channel skips it).
  koa.use(scriptHashesAlone());
  koa.use(async (ctx, next) => {
    try {
      await next();
    } catch {
      ctx.status = 500;
      ctx.body = 'error page';
    }
  });
  koa.use((ctx) => {
    if (ctx.path === '/form-post') {
      const script = 'document.forms[0].submit()';
      pushScriptSrcSha(ctx, script);
      ctx.type = 'html';
      ctx.body = `<form method="post"></form><script>${script}</script>`;
      return;
    }
    if (ctx.path === '/throws') throw new Error('handler failed');
    ctx.body = { ok: true };
  });
  return koa.callback();
}

describe('security headers', function () {
  it('sends Tobira’s policy on every response', async function () {
    const res = await request(app()).get('/');
    expect(parse(res.headers['content-security-policy'] as string)).to.deep.equal(parse(POLICY));
    expect(res.headers).to.include({
      'strict-transport-security': 'max-age=31536000',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
      // helmet's other defaults, pinned so that an upgrade changing them is seen
      'origin-agent-cluster': '?1',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    });
    expect(res.headers).to.not.have.property('x-powered-by');
  });

  it('sends the API set, and only it, on a back-channel JSON endpoint', async function () {
    const res = await request(app()).post('/token');
    expect(securityHeadersOf(res.headers)).to.deep.equal(API_SET);
    expect(res.headers).to.not.have.property('x-powered-by');
  });

  it('sends the API set on Tobira’s own back-channel endpoints and the page set elsewhere', async function () {
    const t = await startTestTobira();
    try {
      const ca = t.tobira.ca.certificatePem;
      for (const path of ['/jwks', '/me', '/token', '/token/introspection', '/token/revocation']) {
        const res = await request(t.url).post(path).ca(ca);
        expect(securityHeadersOf(res.headers), path).to.deep.equal(API_SET);
      }
      const page = await request(t.url).get('/guide').ca(ca);
      expect(parse(page.headers['content-security-policy'] as string)).to.deep.equal(parse(POLICY));
      expect(page.headers['permissions-policy']).to.be.a('string');
    } finally {
      await t.close();
    }
  });

  it('keeps them on a response a failing handler left to the error page', async function () {
    const res = await request(app()).get('/throws');
    expect(res.status).to.equal(500);
    expect(parse(res.headers['content-security-policy'] as string)).to.deep.equal(parse(POLICY));
    expect(res.headers['x-frame-options']).to.equal('DENY');
  });

  it('gives a page with oidc-provider’s inline script exactly its hash, without the now-ignored none', async function () {
    const res = await request(app()).get('/form-post');
    const digest = createHash('sha256').update('document.forms[0].submit()').digest('base64');
    expect(parse(res.headers['content-security-policy'] as string)).to.deep.equal({
      ...parse(POLICY),
      'script-src': [`'sha256-${digest}'`],
    });
  });

  it('drops a none only where a directive gained a source', function () {
    expect(withoutNoneBesideHashes("default-src 'none'; script-src 'none' 'sha256-abc'")).to.equal(
      "default-src 'none'; script-src 'sha256-abc'",
    );
  });
});
