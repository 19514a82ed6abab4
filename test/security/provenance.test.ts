/**
 * Where a form post comes from, and which session id it rides on: the `Origin` check behind the CSRF
 * tokens, and the enrollment form session renewed once the one-time password is proven.
 */
import { expect } from 'chai';
import { sameOrigin } from '../../interactions/same-origin.js';
import { formOf } from '../helpers/browser.js';
import { loginResults, mainOf, startWorld, type World } from '../helpers/attacker.js';

describe('security: form provenance and session renewal', function () {
  let w: World;

  before(async function () {
    w = await startWorld({ tenants: { 'p-pv': {} } });
  });
  after(async function () {
    await w?.close();
  });

  describe('Origin of a form post', function () {
    const origin = 'https://idp.example.jp';
    it('accepts only the own origin, a same-origin Referer, or no provenance at all', function () {
      expect(sameOrigin({ origin }, origin)).to.equal(true);
      expect(sameOrigin({ referer: `${origin}/interaction/x` }, origin)).to.equal(true);
      expect(sameOrigin({}, origin)).to.equal(true);
      expect(sameOrigin({ origin: 'https://evil.example' }, origin)).to.equal(false);
      expect(sameOrigin({ origin: 'null' }, origin)).to.equal(false);
      expect(sameOrigin({ referer: 'https://evil.example/' }, origin)).to.equal(false);
      expect(sameOrigin({ origin, secFetchSite: 'cross-site' }, origin)).to.equal(false);
      expect(sameOrigin({ origin, secFetchSite: 'same-site' }, origin)).to.equal(false);
    });

    it('refuses a login post from another origin before it counts as an attempt', async function () {
      const { rp } = await w.relyingParty('p-pv');
      const user = await w.user('p-pv');
      const b = w.browser(user);
      const { page } = await w.openLogin(b, rp);
      const { action, csrf } = formOf(mainOf(page));
      for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }]) {
        const refused = await b.request(new URL(action, w.t.url).href, {
          form: { csrf, userId: user.account.userId, password: 'wrong-password-1' },
          headers,
        });
        expect(refused.status).to.equal(403);
        expect(mainOf(refused)).to.include('不正な送信');
      }
      expect(await loginResults(w.t, user.account.id)).to.not.include('bad_password');
      const honest = await w.submit(b, page, { userId: user.account.userId, password: user.password });
      expect(honest.location, 'the same form from its own origin still signs in').to.match(/\?code=/);
    });
  });

  describe('enrollment form session', function () {
    it('gets a new id and CSRF token once the one-time password is proven', async function () {
      const created = await w.t.tobira.enrollment.createAccount({
        tenantId: 'p-pv',
        userId: 'p-pv-enroll1',
        terminals: [{ email: 'enroll1@example.jp', type: 'pc' }],
        sendInvitation: false,
        actor: 'test',
      });
      const b = w.browser(null);
      const first = await b.request(created.enrollmentUrl);
      const before = { id: b.cookies.get('tobira_form'), csrf: formOf(first.text).csrf };
      const next = await b.request(new URL(formOf(first.text).action, w.t.url).href, {
        form: { csrf: before.csrf, otp: created.oneTimePassword },
      });
      expect(next.status).to.equal(303);
      const credentials = await b.request(next.location!);
      expect(credentials.status).to.equal(200);
      expect(b.cookies.get('tobira_form')).to.be.a('string').and.not.equal(before.id);
      expect(formOf(credentials.text).csrf).to.not.equal(before.csrf);

      // The id the attacker knew before the proof (planted, or seen) opens nothing now.
      const planted = w.browser(null);
      planted.cookies.set('tobira_form', before.id!);
      const denied = await planted.request(next.location!);
      expect(mainOf(denied)).to.not.include('name="password"');
    });
  });
});
