/**
 * oidc-provider's auto-submitting pages under Tobira's CSP, in Chromium: `response_mode=form_post`
 * must reach the relying party as a POST, and the logout page without a session must submit itself
 * and return to the registered post_logout_redirect_uri. Both run only if the CSP allows exactly
 * oidc-provider's inline script (its hash), while Tobira's own pages keep `script-src 'none'`.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import {
  createClient,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

interface Received {
  method: string;
  path: string;
  body: string;
}

/** A relying party that only records what arrives. */
async function recordingRp() {
  const received: Received[] = [];
  const waiters: ((r: Received) => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString() };
      received.push(entry);
      waiters.splice(0).forEach((w) => w(entry));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('received');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    next: (match: (r: Received) => boolean, ms = 15_000) =>
      new Promise<Received>((resolve, reject) => {
        const found = received.find(match);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error('the relying party received nothing')), ms);
        waiters.push(function check(r) {
          if (match(r)) {
            clearTimeout(timer);
            resolve(r);
          } else waiters.push(check);
        });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('browser: form_post and the logout auto-submit run under the CSP', function () {
  let t: TestTobira;
  let browser: Browser;
  let rp: Awaited<ReturnType<typeof recordingRp>>;
  let client: TestClient;
  let user: TestUser;
  let pfxPath: string;

  before(async function () {
    t = await startTestTobira();
    rp = await recordingRp();
    await createTenant(t.tobira, 'p-fp');
    client = await createClient(t.tobira, {
      tenantId: 'p-fp',
      redirectUri: `${rp.url}/callback`,
      more: { postLogoutRedirectUris: [`${rp.url}/logged-out`] },
    });
    user = await createUser(t.tobira, {
      tenantId: 'p-fp',
      userId: 'p-fp-browser',
      password: 'Form-Post-Pass-42',
    });
    pfxPath = path.join(t.dataDir, 'user.p12');
    await writeFile(pfxPath, user.p12);
    browser = await launchChromium();
  });
  after(async function () {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  const contextFor = () =>
    browser.newContext({
      ignoreHTTPSErrors: true,
      clientCertificates: [{ origin: t.url, pfxPath, passphrase: user.p12Password }],
    });

  it('posts the code to the relying party (response_mode=form_post)', async function () {
    const context = await contextFor();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    let formPostCsp = '';
    page.on('response', (r) => {
      if (
        r.url().startsWith(t.url) &&
        r.request().method() === 'GET' &&
        r.headers()['content-type']?.includes('html')
      )
        formPostCsp = r.headers()['content-security-policy'] ?? formPostCsp;
    });
    const state = oidc.randomState();
    const verifier = oidc.randomPKCECodeVerifier();
    const auth = new URL('/auth', t.url);
    for (const [k, v] of Object.entries({
      client_id: client.clientId,
      response_type: 'code',
      response_mode: 'form_post',
      scope: 'openid',
      redirect_uri: client.redirectUri,
      state,
      nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }))
      auth.searchParams.set(k, v);
    await page.goto(auth.href);
    await page.waitForSelector('input[name=userId]');
    await page.fill('input[name=userId]', user.account.userId);
    await page.fill('input[name=password]', user.password);
    const [posted] = await Promise.all([
      rp.next((r) => r.path === '/callback'),
      page.click('button[type=submit]'),
    ]);
    expect(posted.method).to.equal('POST');
    const form = new URLSearchParams(posted.body);
    expect(form.get('state')).to.equal(state);
    expect(form.get('code')).to.be.a('string').and.not.equal('');
    // The page that carried the form: its own script's hash, and nothing else may run.
    expect(formPostCsp).to.match(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(formPostCsp).to.not.match(/script-src[^;]*'none'/);
    expect(formPostCsp).to.include("default-src 'none'");
    expect(violations).to.deep.equal([]);
    await context.close();
  });

  it("keeps script-src 'none' on Tobira's own pages", async function () {
    const context = await contextFor();
    const page = await context.newPage();
    const response = await page.goto(`${t.url}/account`);
    expect(response!.headers()['content-security-policy']).to.include("script-src 'none'");
    await context.close();
  });

  it('submits the logout page by itself and returns to the registered post_logout_redirect_uri', async function () {
    const context = await contextFor();
    const page = await context.newPage();
    const end = new URL('/session/end', t.url);
    end.searchParams.set('client_id', client.clientId);
    end.searchParams.set('post_logout_redirect_uri', `${rp.url}/logged-out`);
    end.searchParams.set('state', 'bye');
    const [back] = await Promise.all([rp.next((r) => r.path.startsWith('/logged-out')), page.goto(end.href)]);
    expect(back.method).to.equal('GET');
    expect(new URL(back.path, rp.url).searchParams.get('state')).to.equal('bye');
    await context.close();
  });
});
