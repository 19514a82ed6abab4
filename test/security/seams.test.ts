/**
 * The seams: paths that skip the login interaction — single sign-on, the account-pages callback, open
 * account sessions, tokens after revocation — each held by the one binding rule (policy/binding.ts).
 * Over real HTTPS with real certificates; each test fails when the check it covers is removed.
 */
import { expect } from 'chai';
import * as oidc from 'openid-client';
import request from 'supertest';
import { BindingGuard } from '../../src/services/binding-guard.js';
import { SessionBindings } from '../../src/services/session-bindings.js';
import type { TestBrowser } from '../helpers/browser.js';
import type { TestClient, TestUser } from '../helpers/fixtures.js';
import { CALLBACK, hopUntil, mainOf, plantCookies, startWorld, type World } from '../helpers/attacker.js';
import type { TestRp } from '../helpers/rp.js';

describe('security: seams around the login', function () {
  let w: World;
  let home: { client: TestClient; rp: TestRp };
  let other: { client: TestClient; rp: TestRp };

  /** Sign in at `rp` (password only); the response that leaves Tobira (the RP callback). */
  async function signIn(b: TestBrowser, rp: TestRp, user: TestUser, extra: Record<string, string> = {}) {
    const { start, page } = await w.openLogin(b, rp, extra);
    const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
    return { start, out };
  }
  /** A login at the home RP with a refresh token: offline_access is granted on the consent page. */
  async function tokensWithRefresh(b: TestBrowser, user: TestUser) {
    const { start, out } = await signIn(b, home.rp, user, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const done =
      out.location && CALLBACK.test(out.location) ? out : await w.submit(b, out, { decision: 'allow' });
    expect(done.location, 'back at the RP').to.match(CALLBACK);
    return home.rp.finish(done.location!, start);
  }
  const introspect = (client: TestClient, token: string) =>
    request(w.t.url)
      .post('/token/introspection')
      .ca(w.t.tobira.ca.certificatePem)
      .type('form')
      .auth(client.clientId, client.clientSecret)
      .send({ token });
  const userinfoStatus = async (accessToken: string) =>
    (await request(w.t.url).get('/me').ca(w.t.tobira.ca.certificatePem).auth(accessToken, { type: 'bearer' }))
      .status;

  const refreshOutcome = (refreshToken: string) =>
    oidc.refreshTokenGrant(home.rp.config, refreshToken).then(
      () => 'issued',
      (error: { error?: string }) => error.error,
    );
  /** Another terminal of `user`'s account with a certificate of its own, as a browser holds it. */
  async function secondCertificate(user: TestUser) {
    const { store, clock, certificates } = w.t.tobira;
    const terminal = await store.createTerminal(
      {
        id: `${user.terminal.id}-2`,
        accountId: user.account.id,
        email: `two-${user.terminal.email}`,
        type: 'smartphone',
      },
      clock.now(),
    );
    const p12Password = 'second-p12-pass';
    const { p12 } = await certificates.issueForTerminal({
      account: (await store.getAccount(user.account.id))!,
      tenant: (await store.getTenant(user.account.tenantId))!,
      terminal,
      downloadPassword: p12Password,
      downloadExpiresAt: new Date(clock.now().getTime() + 3600_000),
      actor: 'test',
    });
    return { p12, p12Password };
  }

  before(async function () {
    w = await startWorld({ tenants: { 'p-s1': {}, 'p-s2': {} } });
    home = await w.relyingParty('p-s1');
    other = await w.relyingParty('p-s2');
  });
  after(async function () {
    await w?.close();
  });

  describe('single sign-on', function () {
    it('does not hand a session of one tenant to a first-party client of another tenant', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      expect((await signIn(b, home.rp, user)).out.location).to.match(CALLBACK);
      const { page } = await w.openLogin(b, other.rp);
      expect(page.location, 'no code for the other tenant').to.equal(null);
      expect(page.status).to.equal(403);
      expect(mainOf(page)).to.include('このWebサイトでは利用できません');
    });

    it('does not hand an account-pages session to another tenant either', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      expect((await w.signInAccount(b, user)).url).to.match(/\/account$/);
      const { page } = await w.openLogin(b, other.rp);
      expect(page.location).to.equal(null);
      expect(page.status).to.equal(403);
    });

    it('asks for the OTP when acr_values asks a password-only session for the OTP level', async function () {
      const user = await w.user('p-s1', { withTotp: true });
      const b = w.browser(user);
      expect((await signIn(b, home.rp, user)).out.location).to.match(CALLBACK);
      const { page } = await w.openLogin(b, home.rp, { acr_values: 'urn:tobira:acr:x509-pwd-otp' });
      expect(page.location, 'no code without the OTP').to.equal(null);
      expect(mainOf(page)).to.include('name="password"');
    });

    it('reads acr_values as a preference list: the first deliverable value wins', async function () {
      const user = await w.user('p-s1', { withTotp: true });
      const b = w.browser(user);
      const { start, out } = await signIn(b, home.rp, user, {
        acr_values: 'urn:tobira:acr:x509-pwd urn:tobira:acr:x509-pwd-otp',
      });
      expect(out.location, 'no OTP step for a preference the password satisfies').to.match(CALLBACK);
      const { claims } = await home.rp.finish(out.location!, start);
      expect(claims.acr).to.equal('urn:tobira:acr:x509-pwd');
    });
  });

  describe('the account-pages callback', function () {
    /** The victim signs in to the account pages; the callback URL is captured before it is opened. */
    async function capturedCallback(b: TestBrowser, user: TestUser) {
      const login = await b.follow(`${w.t.url}/account`, w.t.url);
      const { action, csrf } = { action: /action="([^"]+)"/.exec(mainOf(login))![1]!, csrf: '' };
      const token = /name="csrf" value="([^"]+)"/.exec(login.text)![1]!;
      const posted = await b.request(new URL(action.replace(/&amp;/g, '&'), w.t.url).href, {
        form: { csrf: csrf || token, userId: user.account.userId, password: user.password },
      });
      const atCallback = await hopUntil(b, posted, (location) => location.includes('/account/callback'));
      expect(atCallback.location).to.include('/account/callback?code=');
      return atCallback.location!;
    }

    it('is worthless in another browser, even one with a valid certificate of its own', async function () {
      const victim = await w.user('p-s1');
      const attacker = await w.user('p-s1');
      const url = await capturedCallback(w.browser(victim), victim);
      for (const thief of [w.browser(attacker), w.browser(null)]) {
        const opened = await thief.request(url);
        expect(opened.status).to.equal(400);
        expect(thief.cookies.has('tobira_account')).to.equal(false);
      }
    });

    it('refuses the victim’s own code when another certificate is presented with the victim’s cookies', async function () {
      const victim = await w.user('p-s1');
      const attacker = await w.user('p-s1');
      const b = w.browser(victim);
      const url = await capturedCallback(b, victim);
      const thief = w.browser(attacker);
      for (const [name, value] of b.cookies) thief.cookies.set(name, value);
      expect((await thief.request(url)).status).to.equal(400);
      expect(thief.cookies.has('tobira_account')).to.equal(false);
    });

    it('cannot sign a victim in to the attacker’s account (login CSRF)', async function () {
      const attacker = await w.user('p-s1');
      const victim = await w.user('p-s1');
      const url = await capturedCallback(w.browser(attacker), attacker);
      const victimBrowser = w.browser(victim);
      expect((await victimBrowser.request(url)).status).to.equal(400);
      expect(victimBrowser.cookies.has('tobira_account')).to.equal(false);
    });

    it('asks for the password even when the browser drops prompt=login (no single sign-on into it)', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      expect((await signIn(b, home.rp, user)).out.location, 'a live session').to.match(CALLBACK);
      const auth = new URL((await b.request(`${w.t.url}/account`)).location!, w.t.url);
      expect(auth.searchParams.get('prompt')).to.equal('login');
      auth.searchParams.delete('prompt');
      const callback = (await b.request(auth.href)).location;
      expect(callback, 'a code from the session alone').to.include('/account/callback?code=');
      const opened = await b.request(new URL(callback!, w.t.url).href);
      expect(opened.status).to.equal(400);
      expect(b.cookies.has('tobira_account')).to.equal(false);
    });

    it('works in the browser that started it (the check is not simply closed)', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      const opened = await b.follow(await capturedCallback(b, user), w.t.url);
      expect(opened.url).to.match(/\/account$/);
      expect(mainOf(opened)).to.include('<h1>アカウント管理</h1>');
    });
  });

  describe('open account sessions', function () {
    it('end at once when the certificate is revoked: no page, no new terminal', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      await w.signInAccount(b, user);
      await w.t.tobira.certificates.revoke(user.certificate.serial, 'keyCompromise', 'test');
      const home = await b.follow(`${w.t.url}/account`, w.t.url);
      expect(mainOf(home)).to.include('失効').and.not.include('<h1>アカウント管理</h1>');
      const add = await b.request(`${w.t.url}/account/terminals/new`);
      expect(add.status).to.not.equal(200);
      expect(await w.t.tobira.store.listTerminals(user.account.id)).to.have.length(1);
    });

    it('end at once when the account is locked, with the lock page', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      await w.signInAccount(b, user);
      await w.t.tobira.store.lockAccount(user.account.id, 'password', w.t.tobira.clock.now());
      const page = await b.follow(`${w.t.url}/account`, w.t.url);
      expect(page.status).to.equal(403);
      expect(mainOf(page)).to.include(`support-p-s1@example.jp`).and.not.include('<h1>アカウント管理</h1>');
    });

    it('ask for the password again before a sensitive change once the sign-in is a few minutes old', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      await w.signInAccount(b, user);
      expect(mainOf(await b.request(`${w.t.url}/account/secret`))).to.include('name="answer"');
      w.clock.offsetMs += 6 * 60_000;
      try {
        const secret = await b.request(`${w.t.url}/account/secret`);
        expect(secret.status).to.equal(401);
        expect(mainOf(secret)).to.include('パスワードの再確認').and.not.include('name="answer"');
        const back = await w.submit(
          b,
          secret,
          { password: user.password, next: '/account/secret' },
          '/account/reauth',
        );
        expect(mainOf(back)).to.include('name="answer"');
      } finally {
        w.clock.offsetMs -= 6 * 60_000;
      }
    });

    it('ask an account that signs in with a one-time password for that too when re-authenticating', async function () {
      const user = await w.user('p-s1', { loginMethod: 'password_otp' });
      const b = w.browser(user);
      const code = () => user.totp!.generate({ timestamp: w.clock.now().getTime() });
      const otpPage = await w.signInAccount(b, user);
      expect(mainOf(await w.submit(b, otpPage, { code: code() }))).to.include('<h1>アカウント管理</h1>');
      w.clock.offsetMs += 6 * 60_000;
      try {
        const secret = await b.request(`${w.t.url}/account/secret`);
        expect(mainOf(secret)).to.include('name="code"');
        const fields = { password: user.password, next: '/account/secret' };
        const refused = await w.submit(b, secret, fields, '/account/reauth');
        expect(refused.status, 'the password alone is not enough').to.equal(401);
        expect(mainOf(refused)).to.include('ワンタイムパスワードが一致しません');
        w.clock.offsetMs += 30_000; // the next time step: a code is accepted once
        const back = await w.submit(b, refused, { ...fields, code: code() }, '/account/reauth');
        expect(mainOf(back)).to.include('name="answer"');
      } finally {
        w.clock.offsetMs -= 6 * 60_000 + 30_000;
      }
    });

    it('do not outlive their absolute lifetime, however active', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      await w.signInAccount(b, user);
      const start = w.clock.offsetMs;
      try {
        for (let minutes = 10; minutes <= 130; minutes += 10) {
          w.clock.offsetMs = start + minutes * 60_000;
          await b.request(`${w.t.url}/account`);
        }
        const late = await b.request(`${w.t.url}/account`);
        expect(late.status, 'sent to a fresh login').to.equal(302);
      } finally {
        w.clock.offsetMs = start;
      }
    });
  });

  describe('a forced password change', function () {
    it('is not in force until the one-time password step succeeds', async function () {
      const user = await w.user('p-s1', { loginMethod: 'password_otp', mustChangePassword: true });
      const b = w.browser(user);
      const { start, page } = await w.openLogin(b, home.rp);
      const change = await w.submit(b, page, { userId: user.account.userId, password: user.password });
      const otp = await w.submit(b, change, {
        newPassword: 'Brand-New-Pass-77',
        confirmation: 'Brand-New-Pass-77',
      });
      expect(mainOf(otp)).to.include('name="code"');
      const abandoned = (await w.t.tobira.store.getAccount(user.account.id))!;
      const oldInForce = await w.t.tobira.hasher.verify(abandoned.passwordHash!, user.password);
      expect(oldInForce, 'old still in force').to.equal(true);
      expect(abandoned.mustChangePassword).to.equal(true);

      const out = await w.submit(b, otp, {
        code: user.totp!.generate({ timestamp: w.clock.now().getTime() }),
      });
      expect(out.location).to.match(CALLBACK);
      await home.rp.finish(out.location!, start);
      const done = (await w.t.tobira.store.getAccount(user.account.id))!;
      expect(await w.t.tobira.hasher.verify(done.passwordHash!, 'Brand-New-Pass-77')).to.equal(true);
    });
  });

  describe('tokens after revocation or a lock', function () {
    for (const end of ['revoked', 'locked'] as const) {
      it(`refuses userinfo, introspection and refresh at once when the certificate is ${end}`, async function () {
        const user = await w.user('p-s1');
        const b = w.browser(user);
        const { tokens } = await tokensWithRefresh(b, user);
        expect(tokens.refresh_token, 'a refresh token to try').to.be.a('string');
        expect((await introspect(home.client, tokens.access_token)).body.active).to.equal(true);

        if (end === 'revoked')
          await w.t.tobira.certificates.revoke(user.certificate.serial, 'keyCompromise', 'test');
        else await w.t.tobira.store.lockAccount(user.account.id, 'password', w.t.tobira.clock.now());

        expect(await userinfoStatus(tokens.access_token)).to.equal(401);
        expect((await introspect(home.client, tokens.access_token)).body.active).to.equal(false);
        expect(await refreshOutcome(tokens.refresh_token!)).to.equal('invalid_grant');
        // And the browser's session: the same page as a fresh login, never a 500.
        const { page } = await w.openLogin(b, home.rp);
        expect(page.status).to.equal(403);
        expect(page.location).to.equal(null);
      });
    }

    it('keeps a login’s tokens on its certificate when the session signs in again with another', async function () {
      const user = await w.user('p-s1');
      const first = w.browser(user);
      const early = (await tokensWithRefresh(first, user)).tokens;
      // The same browser (its cookies) presents the account's other certificate and signs in with it.
      const second = w.browser(await secondCertificate(user));
      plantCookies(first, second);
      const late = (await tokensWithRefresh(second, user)).tokens;

      await w.t.tobira.certificates.revoke(user.certificate.serial, 'keyCompromise', 'test');
      expect(await userinfoStatus(early.access_token), 'the first login’s access token').to.equal(401);
      expect(await refreshOutcome(early.refresh_token!), 'its refresh token').to.equal('invalid_grant');
      // The second login's tokens stand on the second certificate, which still stands.
      expect(await userinfoStatus(late.access_token)).to.equal(200);
      expect(await refreshOutcome(late.refresh_token!)).to.equal('issued');
    });

    it('introspection answers a client only about its own tokens', async function () {
      const user = await w.user('p-s1');
      const b = w.browser(user);
      const { start, out } = await signIn(b, home.rp, user);
      const { tokens } = await home.rp.finish(out.location!, start);
      expect((await introspect(home.client, tokens.access_token)).body.active).to.equal(true);
      expect((await introspect(other.client, tokens.access_token)).body).to.deep.equal({ active: false });
    });

    it('refuses a token whose session binding is gone instead of trusting it unbound', async function () {
      const user = await w.user('p-s1');
      const guard = new BindingGuard({
        certificates: w.t.tobira.certificates,
        bindings: new SessionBindings({ store: w.t.tobira.store, clock: w.clock, ttlSeconds: 60 }),
        store: w.t.tobira.store,
      });
      const use = {
        sessionUid: 'no-such-session',
        accountId: user.account.id,
        clientId: home.client.clientId,
      };
      expect(await guard.forToken(use)).to.deep.equal({ ok: false, reason: 'unbound' });
      const bound = await guard.forToken({ ...use, fingerprint: user.certificate.fingerprintS256 });
      expect(bound.ok).to.equal(true);
    });
  });
});
