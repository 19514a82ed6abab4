/**
 * Protocol attacks, over real HTTPS: authorization code replay, PKCE downgrade, and open redirects
 * (authorization redirect_uri, post_logout_redirect_uri, the account pages' return path).
 */
import { expect } from 'chai';
import request from 'supertest';
import { ACCOUNT_CLIENT_ID } from '../../src/account-client.js';
import type { TestBrowser } from '../helpers/browser.js';
import type { TestClient, TestUser } from '../helpers/fixtures.js';
import {
  CALLBACK,
  REDIRECT,
  accountCallback,
  hopUntil,
  startWorld,
  type World,
} from '../helpers/attacker.js';
import type { TestRp } from '../helpers/rp.js';

const EVIL = 'evil.example';

describe('security: protocol attacks', function () {
  let w: World;
  let rp: TestRp;
  let client: TestClient;
  let user: TestUser;

  /** POST to a token-endpoint family URL as the confidential client (Basic auth) or a public one. */
  const post = (path: string, form: Record<string, string>, auth: 'basic' | 'none' = 'basic') => {
    const r = request(w.t.url).post(path).ca(w.t.tobira.ca.certificatePem).type('form');
    return (auth === 'basic' ? r.auth(client.clientId, client.clientSecret) : r).send(form);
  };
  /** Sign in at the RP with these extra authorization parameters; the response that leaves Tobira. */
  async function authorize(b: TestBrowser, extra: Record<string, string> = {}) {
    const { start, page } = await w.openLogin(b, rp, extra);
    if (page.location) return { start, out: page };
    const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
    return { start, out };
  }
  const codeOf = (location: string) => new URL(location).searchParams.get('code')!;
  /** Nothing sends the browser to the attacker's host: no redirect, or one that stays away from it. */
  const staysHome = (location: string | null) =>
    expect(
      location === null || !new URL(location, w.t.url).host.endsWith(EVIL),
      `redirect to ${location}`,
    ).to.equal(true);

  before(async function () {
    w = await startWorld({ tenants: { 'p-o': {} } });
    ({ rp, client } = await w.relyingParty('p-o'));
    user = await w.user('p-o');
  });
  after(async function () {
    await w?.close();
  });

  describe('code replay', function () {
    it('refuses a second redemption of a code and revokes the tokens of the first', async function () {
      const { start, out } = await authorize(w.browser(user));
      const { tokens } = await rp.finish(out.location!, start);
      const active = await post('/token/introspection', { token: tokens.access_token });
      expect(active.body.active).to.equal(true);

      const replay = await post('/token', {
        grant_type: 'authorization_code',
        code: codeOf(out.location!),
        redirect_uri: REDIRECT,
        code_verifier: start.codeVerifier,
      });
      expect(replay.status).to.equal(400);
      expect(replay.body.error).to.equal('invalid_grant');
      const after = await post('/token/introspection', { token: tokens.access_token });
      expect(after.body.active, 'the first access token is revoked').to.equal(false);
      const userinfo = await request(w.t.url)
        .get('/me')
        .ca(w.t.tobira.ca.certificatePem)
        .set('Authorization', `Bearer ${tokens.access_token}`);
      expect(userinfo.status).to.equal(401);
    });
  });

  describe('PKCE downgrade', function () {
    for (const [name, extra] of [
      ['without code_challenge', { code_challenge: '', code_challenge_method: '' }],
      ['with the plain method', { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }],
    ] as const) {
      it(`refuses an authorization request ${name} (default client setting, confidential RP)`, async function () {
        const { out } = await authorize(w.browser(user), extra);
        expect(out.location ?? '').to.not.match(CALLBACK);
        expect(new URL(out.location!).searchParams.get('error')).to.equal('invalid_request');
      });
    }

    it(`refuses an authorization request without code_challenge (public client ${ACCOUNT_CLIENT_ID})`, async function () {
      const url = new URL('/auth', w.t.url);
      for (const [k, v] of Object.entries({
        client_id: ACCOUNT_CLIENT_ID,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: `${w.t.url}/account/callback`,
        state: 'attacker-state',
      }))
        url.searchParams.set(k, v);
      const b = w.browser(user);
      const out = await hopUntil(b, await b.request(url.href), (l) => l.includes('/account/callback'));
      expect(new URL(out.location!).searchParams.get('error')).to.equal('invalid_request');
      expect(out.location).to.not.include('code=');
    });

    it('refuses a wrong or missing code_verifier at the token endpoint (default client setting)', async function () {
      const { start, out } = await authorize(w.browser(user));
      const code = codeOf(out.location!);
      // Another last character (never the same one: a verifier ending in A would stay right).
      const other = start.codeVerifier.endsWith('A') ? 'B' : 'A';
      for (const verifier of [`${start.codeVerifier.slice(0, -1)}${other}`, undefined]) {
        const r = await post('/token', {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          ...(verifier ? { code_verifier: verifier } : {}),
        });
        expect(r.status, `verifier ${verifier ?? 'missing'}`).to.equal(400);
        expect(r.body.access_token).to.equal(undefined);
      }
    });

    it(`refuses a wrong code_verifier at the token endpoint (public client ${ACCOUNT_CLIENT_ID})`, async function () {
      const callback = await accountCallback(w, w.browser(user), user);
      const r = await post(
        '/token',
        {
          grant_type: 'authorization_code',
          client_id: ACCOUNT_CLIENT_ID,
          code: codeOf(callback.location!),
          redirect_uri: `${w.t.url}/account/callback`,
          code_verifier: 'attacker-guess-'.padEnd(43, 'x'),
        },
        'none',
      );
      expect(r.status).to.equal(400);
      expect(r.body.error).to.equal('invalid_grant');
    });
  });

  describe('open redirect', function () {
    for (const uri of [
      `https://${EVIL}/cb`,
      'https://rp.example.test/other-path',
      `https://rp.example.test@${EVIL}/cb`,
      `https://rp.example.test%40${EVIL}/cb`,
      `${REDIRECT}/../../@${EVIL}`,
    ]) {
      it(`refuses the unregistered redirect_uri ${uri} with a page, not a redirect`, async function () {
        const b = w.browser(user);
        const { start } = await w.openLogin(b, rp);
        const url = new URL(start.url);
        url.searchParams.set('redirect_uri', uri);
        const page = await b.request(url.href);
        expect(page.status).to.equal(400);
        expect(page.location).to.equal(null);
        expect(page.text).to.include('redirect_uri');
      });
    }

    it('refuses an unregistered post_logout_redirect_uri', async function () {
      for (const uri of [`https://${EVIL}/`, `https://rp.example.test@${EVIL}/`]) {
        const url = new URL('/session/end', w.t.url);
        url.searchParams.set('client_id', client.clientId);
        url.searchParams.set('post_logout_redirect_uri', uri);
        const page = await w.browser(user).request(url.href);
        expect(page.status, uri).to.equal(400);
        staysHome(page.location);
      }
    });

    for (const path of [
      `/account/history?return=https://${EVIL}/`,
      '/account/terminals/%2F%2Fevil.example/edit',
      `/account//${EVIL}/`,
    ]) {
      it(`returns to an /account page only, after signing in from ${path}`, async function () {
        const b = w.browser(user);
        const login = await b.follow(`${w.t.url}${path}`, w.t.url);
        if (!login.text.includes('name="password"')) {
          expect(login.status, 'no sign-in for an unknown path').to.equal(404);
          return;
        }
        const callback = await accountCallback(w, b, user, path);
        const back = await b.request(callback.location!);
        staysHome(back.location);
        expect(new URL(back.location!, w.t.url).pathname).to.match(/^\/account(\/[^/]|$)/);
      });
    }
  });
});
