/**
 * Fixation, over real HTTPS: an attacker's login interaction planted in the victim's browser, session
 * cookies whose value the client chose, the OP session id across a login, and the account pages' callback
 * URL carried to a browser with another certificate.
 */
import { expect } from 'chai';
import type { TestBrowser } from '../helpers/browser.js';
import type { TestUser } from '../helpers/fixtures.js';
import {
  CALLBACK,
  accountCallback,
  newEnrollment,
  formWith,
  hopUntil,
  mainOf,
  plantCookies,
  startWorld,
  type World,
} from '../helpers/attacker.js';
import type { TestRp } from '../helpers/rp.js';

const CHOSEN = 'AttackerChosenSessionId-0123456789';

describe('security: fixation', function () {
  let w: World;
  let rp: TestRp;
  let victim: TestUser;
  let attacker: TestUser;

  /** Submit the password form without following the last hop: the response that carries the resume URL. */
  const passwordPost = (b: TestBrowser, html: string, user: TestUser) => {
    const { action, csrf } = formWith(html);
    return b.request(new URL(action, w.t.url).href, {
      form: { csrf, userId: user.account.userId, password: user.password },
    });
  };
  /** Whether this browser, with its cookies, obtains a code at the RP without typing anything. */
  const getsCodeSilently = async (b: TestBrowser) => {
    const { page } = await w.openLogin(b, rp);
    return CALLBACK.test(page.location ?? '');
  };

  before(async function () {
    w = await startWorld({ tenants: { 'p-f': {} } });
    ({ rp } = await w.relyingParty('p-f'));
    victim = await w.user('p-f');
    attacker = await w.user('p-f');
  });
  after(async function () {
    await w?.close();
  });

  describe('planted login interaction', function () {
    it('gives the victim a fresh login for the victim’s own certificate, and the attacker no code from it', async function () {
      const a = w.browser(attacker);
      const { page: attackerPage } = await w.openLogin(a, rp);
      expect(attackerPage.text).to.include(attacker.certificate.subjectCn);
      const uid = /\/interaction\/([^/?]+)/.exec(attackerPage.url)![1]!;

      const v = w.browser(victim);
      plantCookies(a, v);
      const planted = await v.request(`${w.t.url}/interaction/${uid}`);
      expect(planted.status).to.equal(200);
      expect(planted.text, 'the page is about the victim’s certificate').to.include(
        victim.certificate.subjectCn,
      );
      expect(planted.text).to.not.include(attacker.certificate.subjectCn);

      const resume = await passwordPost(v, planted.text, victim);
      expect(resume.status).to.equal(303);
      // The attacker races the victim to the resume URL with the same cookies and their own certificate.
      const raced = await hopUntil(a, await a.request(resume.location!), (l) => !l.startsWith(w.t.url));
      expect(raced.location ?? '', 'no code for the attacker’s browser').to.not.match(CALLBACK);
      expect(await getsCodeSilently(a), 'no signed-in session for the attacker either').to.equal(false);
    });
  });

  describe('session cookies chosen by the client', function () {
    it('ignores a chosen account-page session id: sign-in issues a new one, the chosen one opens nothing', async function () {
      const v = w.browser(victim);
      v.cookies.set('tobira_account', CHOSEN);
      const home = await w.signInAccount(v, victim);
      expect(mainOf(home)).to.include(victim.account.userId);
      expect(v.cookies.get('tobira_account')).to.be.a('string').and.not.equal(CHOSEN);
      const planted = w.browser(victim);
      planted.cookies.set('tobira_account', CHOSEN);
      const page = await planted.request(`${w.t.url}/account`);
      expect(page.status, 'the chosen id is not a session').to.equal(302);
      expect(page.location).to.match(/\/auth\?/);
    });

    it('ignores a chosen form-session id: the enrollment page hands out its own, and progress stays with it', async function () {
      const created = await newEnrollment(w, 'p-f', 'enroll1');
      const v = w.browser();
      v.cookies.set('tobira_form', CHOSEN);
      const page = await v.request(created.enrollmentUrl);
      expect(v.cookies.get('tobira_form')).to.be.a('string').and.not.equal(CHOSEN);
      const next = await w.submit(v, page, { otp: created.oneTimePassword });
      expect(next.text).to.include('name="password"');
      const planted = w.browser();
      planted.cookies.set('tobira_form', CHOSEN);
      const skipped = await planted.request(`${created.enrollmentUrl}/credentials`);
      expect(skipped.status, 'the chosen id has not passed 初回認証').to.equal(302);
    });
  });

  describe('OP session id across the login', function () {
    it('changes the session id at login, so the id held before it signs nobody in', async function () {
      const v = w.browser(victim);
      const signIn = async (extra: Record<string, string> = {}) => {
        const { start, page } = await w.openLogin(v, rp, extra);
        const done = await w.submit(v, page, { userId: victim.account.userId, password: victim.password });
        expect(done.location).to.match(CALLBACK);
        await rp.finish(done.location!, start);
      };
      await signIn();
      const before = v.cookies.get('_session');
      expect(before, 'a session id exists before the next login').to.be.a('string');
      const holder = w.browser(victim);
      plantCookies(v, holder, (name) => name.startsWith('_session'));

      await signIn({ prompt: 'login' });
      expect(v.cookies.get('_session'), 'a new id after login').to.be.a('string').and.not.equal(before);
      expect(await getsCodeSilently(v), 'the new id is signed in').to.equal(true);
      // Same certificate, the id from before the login: only the id is what differs.
      expect(await getsCodeSilently(holder), 'the id from before the login is not').to.equal(false);
    });
  });

  describe('account pages callback carried to another browser', function () {
    it('does not open the victim’s account pages for a browser with another certificate', async function () {
      const callback = await accountCallback(w, w.browser(victim), victim);
      expect(callback.location).to.include('/account/callback?code=');

      const a = w.browser(attacker);
      const stolen = await a.follow(callback.location!, w.t.url);
      expect(mainOf(stolen), 'no account page of the victim').to.not.include(victim.account.userId);
      expect(a.cookies.has('tobira_account'), 'no account session').to.equal(false);
    });
  });
});
