/**
 * Property-based fuzzing of the login interaction's forms (ID/password, forced password change,
 * one-time password): arbitrary bodies with a valid CSRF token and certificate never cause a 5xx,
 * never sign anybody in, never write a half-changed password and keep the failure counter within policy.
 */
import { expect } from 'chai';
import type { BrowserResponse, TestBrowser } from '../helpers/browser.js';
import type { TestUser } from '../helpers/fixtures.js';
import { FUZZ_RUNS, FUZZ_SEED, fuzzForm, mostly } from '../helpers/form-fuzz.js';
import { CALLBACK, PASSWORD, formWith, loginResults, startWorld, type World } from '../helpers/attacker.js';
import type { TestRp } from '../helpers/rp.js';

const MAX_FAILURES = 100;

describe(`security: fuzzing the login forms (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs each)`, function () {
  this.timeout(120_000);
  let w: World;
  let rp: TestRp;

  const account = (u: TestUser) => w.t.tobira.store.getAccount(u.account.id).then((a) => a!);
  /** The form on this page: where it posts and its token, for the fuzzer. */
  const target = (page: BrowserResponse) => {
    const { action, csrf } = formWith(page.text);
    return { url: () => new URL(action, w.t.url).href, csrf: () => csrf };
  };
  /** Signed in nowhere and nothing counted beyond the policy: the common invariant. */
  async function untouched(u: TestUser, response: { location: string | null }) {
    expect(response.location ?? '', 'no code').to.not.match(CALLBACK);
    const a = await account(u);
    expect(a.failedPasswordCount).to.be.at.most(MAX_FAILURES);
    expect(await w.t.tobira.hasher.verify(a.passwordHash!, PASSWORD), 'password unchanged').to.equal(true);
    expect(await loginResults(w.t, u.account.id)).to.not.include('success');
  }
  /** Keep the account open between runs: failures may lock it, and a locked account hides the form's checks. */
  const reopen = (u: TestUser) => async () => {
    if ((await account(u)).status === 'locked')
      await w.t.tobira.store.unlockAccount(u.account.id, new Date());
  };

  before(async function () {
    w = await startWorld({ tenants: { 'p-z': { lockout: { maxPasswordFailures: MAX_FAILURES } } } });
    ({ rp } = await w.relyingParty('p-z'));
  });
  after(async function () {
    await w?.close();
  });

  async function openAs(u: TestUser): Promise<{ b: TestBrowser; page: BrowserResponse }> {
    const b = w.browser(u);
    return { b, page: (await w.openLogin(b, rp)).page };
  }

  it('ID/password form: never 5xx, never signed in, counter within policy', async function () {
    const u = await w.user('p-z');
    const { b, page } = await openAs(u);
    await fuzzForm(w, b, {
      ...target(page),
      fields: { userId: mostly(u.account.userId), password: null },
      before: reopen(u),
      invariant: (response) => untouched(u, response),
    });
    const done = await w.submit(b, page, { userId: u.account.userId, password: PASSWORD });
    expect(done.location, 'the interaction still completes').to.match(CALLBACK);
  });

  it('forced password change form: never 5xx; the password changes wholly or not at all', async function () {
    const u = await w.user('p-z', { mustChangePassword: true });
    const { b, page } = await openAs(u);
    const change = await w.submit(b, page, { userId: u.account.userId, password: PASSWORD });
    expect(change.text).to.include('name="newPassword"');
    await fuzzForm(w, b, {
      ...target(change),
      fields: { newPassword: mostly('Fuzz-New-Pass-1'), confirmation: mostly('Fuzz-New-Pass-1') },
      invariant: async (response) => {
        const a = await account(u);
        if (CALLBACK.test(response.location ?? '') || a.mustChangePassword === false) {
          expect(a.mustChangePassword).to.equal(false);
          expect(await w.t.tobira.hasher.verify(a.passwordHash!, PASSWORD)).to.equal(false);
        } else {
          expect(await w.t.tobira.hasher.verify(a.passwordHash!, PASSWORD), 'old password kept').to.equal(
            true,
          );
        }
      },
    });
  });

  it('one-time password form: never 5xx, never signed in, counter within policy', async function () {
    const u = await w.user('p-z', { loginMethod: 'password_otp' });
    const { b, page } = await openAs(u);
    const otp = await w.submit(b, page, { userId: u.account.userId, password: PASSWORD });
    expect(otp.text).to.include('name="code"');
    await fuzzForm(w, b, {
      ...target(otp),
      fields: { code: mostly('000000', '123456', '12345678') },
      before: reopen(u),
      invariant: (response) => untouched(u, response),
    });
    await w.t.tobira.store.resetCounter(u.account.id, 'password', new Date());
    const done = await w.submit(b, otp, { code: u.totp!.generate() });
    expect(done.location, 'the right code still completes the login').to.match(CALLBACK);
  });
});
