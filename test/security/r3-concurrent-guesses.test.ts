/**
 * Guesses sent all at once, over real HTTPS: the download password's tries per link
 * (downloads.ts #authorize, reserveTicketAttempt) and the secret answer's tries per account
 * (recovery.ts checkAnswer, reserveAttempt) are reserved in the store before each check, so
 * concurrent wrong guesses never count past the limit, and the right one afterwards is refused, the
 * link (or account) being locked. Each test fails with its limit taken out of the service.
 */
import { expect } from 'chai';
import { formWith, mailedLink, mainOf, newEnrollment, startWorld, type World } from '../helpers/attacker.js';
import type { TestBrowser } from '../helpers/browser.js';
import { GOOD } from '../helpers/enroll.js';

const MAX = 3;
const CONCURRENT = 10;

describe('security: concurrent guesses stay within the limits (r3)', function () {
  let w: World;

  before(async function () {
    w = await startWorld({
      tenants: { 'p-r3g': { lockout: { maxDownloadPasswordFailures: MAX, maxSecretAnswerFailures: MAX } } },
      smtp: true,
    });
  });
  after(async function () {
    await w?.close();
  });

  /** The same form posted CONCURRENT times at once with `fields`; the statuses. */
  const burst = async (b: TestBrowser, url: string, csrf: string, fields: Record<string, string>) =>
    (
      await Promise.all(
        Array.from({ length: CONCURRENT }, () =>
          b.request(url, { method: 'POST', form: { csrf, ...fields } }),
        ),
      )
    ).map((r) => r.status);

  it('download password: at most the limit of wrong tries count, then the right password is refused', async function () {
    const victim = await newEnrollment(w, 'p-r3g', 'dl1');
    const b = w.browser();
    const otp = await b.request(victim.enrollmentUrl);
    const credentials = await w.submit(b, otp, { otp: victim.oneTimePassword });
    const done = await w.submit(b, credentials, GOOD);
    const downloadPassword = /data-testid="download-password">([^<]+)</.exec(done.text)![1]!;
    const link = await mailedLink(w, victim.email, 'download');
    const page = await b.request(link);
    const { csrf } = formWith(mainOf(page));

    const statuses = await burst(b, link, csrf, { password: 'wrong-guess-0' });
    expect(statuses.filter((s) => s === 401).length, String(statuses)).to.be.at.most(MAX - 1);
    expect(
      statuses.every((s) => s === 401 || s === 410),
      String(statuses),
    ).to.equal(true);
    const right = await b.request(link, { method: 'POST', form: { csrf, password: downloadPassword } });
    expect(right.status, 'the link is spent on wrong tries').to.equal(410);
    expect(right.headers['content-type']).to.not.equal('application/x-pkcs12');
  });

  it('secret answer: at most the limit of wrong answers count, then the right answer is refused (locked)', async function () {
    const victim = await w.user('p-r3g', { email: 'r3g-rec@example.jp', secretAnswer: 'ミニ' });
    const b = w.browser();
    const form = await b.request(`${w.t.url}/recovery/password`);
    await w.submit(b, form, { userId: victim.account.userId, email: victim.terminal.email });
    const link = await mailedLink(w, victim.terminal.email, 'recovery/password');
    const question = await b.request(link);
    const { csrf } = formWith(mainOf(question));

    const statuses = await burst(b, link, csrf, { questionId: 'first_car', answer: 'wrong answer' });
    expect(statuses.filter((s) => s === 422).length, String(statuses)).to.be.at.most(MAX - 1);
    const right = await b.request(link, {
      method: 'POST',
      form: { csrf, questionId: 'first_car', answer: 'ミニ' },
    });
    expect(right.text).to.not.include('data-testid="issued-secret"');
    const account = await w.t.tobira.store.getAccount(victim.account.id);
    expect(account?.status).to.equal('locked');
    expect(account?.passwordHash, 'the password was not re-issued').to.equal(victim.account.passwordHash);
  });
});
