/**
 * Property-based fuzzing of the account pages' forms: password change, secret question, terminal add /
 * change / delete, the login method and the certificate re-issue request. Signed in just before each
 * form (a fresh sign-in counts as a recent re-authentication); arbitrary bodies with the session's
 * CSRF token never cause a 5xx and leave the account whole: no terminal without a certificate, never
 * more terminals than the policy allows, never the last terminal deleted, never the OTP method without
 * an authenticator, counters within policy.
 */
import { expect } from 'chai';
import { SECRET_QUESTION_IDS } from '../../src/policy/tenant-policy.js';
import type { TestBrowser } from '../helpers/browser.js';
import type { TestUser } from '../helpers/fixtures.js';
import { FUZZ_RUNS, FUZZ_SEED, anyValue, fuzzForm, mostly } from '../helpers/form-fuzz.js';
import { PASSWORD, formWith, startWorld, type World } from '../helpers/attacker.js';
import type fc from 'fast-check';

const MAX_TERMINALS = 3;
const MAX_FAILURES = 100;
const TYPES = ['pc', 'mobile', 'smartphone'];
const NEW_PASSWORD = 'Fuzzed-New-Pass-1';

describe(`security: fuzzing the account page forms (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs each)`, function () {
  this.timeout(120_000);
  let w: World;
  let user: TestUser;

  const store = () => w.t.tobira.store;
  /** The account is whole, whatever was posted. */
  async function whole() {
    const account = (await store().getAccount(user.account.id))!;
    expect(account.status).to.equal('active');
    expect(account.failedPasswordCount).to.be.at.most(MAX_FAILURES);
    const verifies = (p: string) => w.t.tobira.hasher.verify(account.passwordHash!, p);
    expect(
      (await verifies(PASSWORD)) || (await verifies(NEW_PASSWORD)),
      'the old or the new password',
    ).to.equal(true);
    expect(['password', 'password_otp']).to.include(account.loginMethod);
    if (account.loginMethod === 'password_otp')
      expect(account.totpSecretEnc, 'OTP needs an authenticator').to.be.a('string');
    if (account.secretQuestionId !== null) expect(SECRET_QUESTION_IDS).to.include(account.secretQuestionId);
    const terminals = await store().listTerminals(user.account.id);
    expect(terminals.length).to.be.within(1, MAX_TERMINALS);
    for (const terminal of terminals) {
      expect(TYPES).to.include(terminal.type);
      expect(terminal.email).to.match(/^[^@\s]+@[^@\s]+$/);
      const certificate = await store().getCertificate(terminal.currentCertificateSerial ?? '');
      expect(certificate?.status, `terminal ${terminal.number} has its certificate`).to.equal('active');
    }
  }
  /** Sign in afresh, then fuzz the form at `path` with the session's token. */
  async function fuzzAccountForm(
    path: string | ((segment: string) => string),
    fields: Record<string, fc.Arbitrary<string> | null>,
    segments?: fc.Arbitrary<string>,
  ) {
    // A fuzzed password change may have succeeded: sign in with the suite's password again.
    const hash = await w.t.tobira.hasher.hash(PASSWORD);
    await store().updateAccount(user.account.id, { passwordHash: hash, passwordHistory: [] }, new Date());
    const b: TestBrowser = w.browser(user);
    const home = await w.signInAccount(b, user);
    expect(home.status).to.equal(200);
    const { csrf } = formWith(home.text, '/account/logout');
    expect(csrf).to.have.length.above(10);
    await fuzzForm(w, b, {
      url: (segment) => `${w.t.url}${typeof path === 'string' ? path : path(segment)}`,
      ...(segments ? { segments } : {}),
      csrf: () => csrf,
      fields,
      invariant: whole,
      before: async () => {
        // Wrong current passwords may lock the account; a locked account hides the form's own checks.
        if ((await store().getAccount(user.account.id))!.status === 'locked')
          await store().unlockAccount(user.account.id, new Date());
      },
    });
    expect((await b.request(`${w.t.url}/account`)).status, 'the session still works').to.be.oneOf([200, 302]);
  }

  before(async function () {
    w = await startWorld({
      tenants: {
        'p-x': { features: { maxTerminals: MAX_TERMINALS }, lockout: { maxPasswordFailures: MAX_FAILURES } },
      },
    });
    user = await w.user('p-x', { withTotp: true });
  });
  after(async function () {
    await w?.close();
  });

  it('password change: never 5xx; the account stays whole', async function () {
    await fuzzAccountForm('/account/password', {
      current: mostly(PASSWORD),
      password: mostly(NEW_PASSWORD),
      confirmation: mostly(NEW_PASSWORD),
    });
  });

  it('secret question: never 5xx; only a listed question is ever stored', async function () {
    await fuzzAccountForm('/account/secret', { questionId: mostly(...SECRET_QUESTION_IDS), answer: null });
  });

  it('terminal add: never 5xx; no terminal without its certificate, never more than the policy allows', async function () {
    const email = mostly('fuzz-terminal@example.jp');
    await fuzzAccountForm('/account/terminals/new', {
      email,
      confirmation: email,
      type: mostly(...TYPES),
      confirm: mostly('1'),
    });
  });

  it('terminal change: never 5xx; the terminal keeps a valid address and type', async function () {
    const email = mostly('changed@example.jp');
    await fuzzAccountForm('/account/terminals/1/edit', {
      email,
      confirmation: email,
      type: mostly(...TYPES),
    });
  });

  it('terminal delete: never 5xx, whatever terminal number; the last terminal stays', async function () {
    await fuzzAccountForm(
      (number) => `/account/terminals/${encodeURIComponent(number)}/delete`,
      { confirm: mostly('1') },
      mostly('1', '2', '3', '4', '0', '-1', '1e3', '0x2'),
    );
  });

  it('login method: never 5xx; never the OTP method without an authenticator', async function () {
    await store().updateAccount(
      user.account.id,
      { totpSecretEnc: null, loginMethod: 'password' },
      new Date(),
    );
    await fuzzAccountForm('/account/login-method', {
      method: mostly('password', 'password_otp'),
      confirm: mostly('1'),
    });
    await fuzzAccountForm('/account/login-method/totp', { code: anyValue });
  });

  it('certificate re-issue request: never 5xx; mail only to the account’s terminals, within the hourly limit', async function () {
    await fuzzAccountForm('/account/certificate', { terminal: mostly('1', '2', '0', '-1', '1e0', '9') });
    const addresses = (await store().listTerminals(user.account.id)).map((x) => x.email);
    const mails = (await store().listMail({ limit: 500 })).items.filter(
      (m) => m.template === 'certificate_reissue',
    );
    expect(mails.length, 'some sent, at most 5 an hour per account').to.be.within(1, 5);
    for (const mail of mails) expect(addresses).to.include(mail.to);
  });
});
