/**
 * Property-based fuzzing of the forms outside a login: enrollment (初回認証, 認証情報登録), the
 * certificate download password and the CSR submission, the password re-issue request and the secret
 * answer. Arbitrary bodies with a valid CSRF token never cause a 5xx and leave nothing half-written:
 * a refused registration leaves the account pending and its link usable, a refused download keeps the
 * key material, counters stay within policy — and the right input still works afterwards.
 */
import { expect } from 'chai';
import { SECRET_QUESTION_IDS } from '../../src/policy/tenant-policy.js';
import type { BrowserResponse, TestBrowser } from '../helpers/browser.js';
import { GOOD, downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { FUZZ_RUNS, FUZZ_SEED, fuzzForm, mostly } from '../helpers/form-fuzz.js';
import { formWith, mailedLink, mainOf, newEnrollment, startWorld, type World } from '../helpers/attacker.js';
import { makeCsr } from '../helpers/csr.js';

const MAX = 100;
const HOUR = 3_600_000;

describe(`security: fuzzing the enrollment, download and recovery forms (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs each)`, function () {
  this.timeout(120_000);
  let w: World;
  let seq = 0;

  const store = () => w.t.tobira.store;
  const account = (id: string) =>
    store()
      .getAccount(id)
      .then((a) => a!);
  /** The form whose action ends with `suffix` on this page, for the fuzzer. */
  const target = (page: BrowserResponse, suffix?: string) => {
    const { action, csrf } = formWith(mainOf(page), suffix);
    return { url: () => new URL(action, w.t.url).href, csrf: () => csrf };
  };
  const enrollment = () => newEnrollment(w, 'p-y', `fz${(seq += 1)}`);
  /** An enrolled account's download page, with the password the enrollment showed. */
  async function downloadPage(b: TestBrowser) {
    const created = await enrollment();
    const password = downloadPasswordOn(await enrollThroughPages(b, w.t.url, created));
    const link = await mailedLink(w, created.email, 'download');
    const terminalOf = async () => (await store().listTerminals(created.account.id))[0]!;
    return { link, password, page: await b.request(link), terminalOf };
  }

  before(async function () {
    w = await startWorld({
      smtp: true,
      tenants: {
        'p-y': {
          lockout: {
            maxEnrollmentOtpFailures: MAX,
            maxDownloadPasswordFailures: MAX,
            maxSecretAnswerFailures: MAX,
          },
        },
      },
    });
  });
  after(async function () {
    await w?.close();
  });

  it('初回認証: never 5xx; the account stays pending, the counter within policy, the link usable', async function () {
    const created = await enrollment();
    const b = w.browser();
    const page = await b.request(created.enrollmentUrl);
    await fuzzForm(w, b, {
      ...target(page),
      fields: { otp: null },
      invariant: async () => {
        const a = await account(created.account.id);
        expect(a.status).to.equal('pending');
        expect(a.failedEnrollmentOtpCount).to.be.at.most(MAX);
      },
    });
    await store().resetCounter(created.account.id, 'enrollment_otp', new Date());
    const next = await w.submit(b, page, { otp: created.oneTimePassword });
    expect(next.text, 'the right one-time password still opens 認証情報登録').to.include('name="password"');
  });

  it('認証情報登録: never 5xx; a refused registration leaves the account pending and the link usable', async function () {
    const created = await enrollment();
    const b = w.browser();
    const credentials = await w.submit(b, await b.request(created.enrollmentUrl), {
      otp: created.oneTimePassword,
    });
    let registered = false;
    await fuzzForm(w, b, {
      ...target(credentials),
      fields: {
        password: mostly(GOOD.password),
        confirmation: mostly(GOOD.password),
        questionId: mostly(...SECRET_QUESTION_IDS),
        answer: null,
      },
      invariant: async (response) => {
        const a = await account(created.account.id);
        registered ||= a.status === 'active';
        if (registered)
          return void expect(await store().listCertificates({ accountId: a.id })).to.have.length(1);
        expect(a.status).to.equal('pending');
        expect(a.passwordHash, 'nothing of the refused registration stored').to.equal(null);
        expect(mainOf(response), 'no done page').to.not.include('download-password');
        expect(
          (await b.request(`${created.enrollmentUrl}/credentials`)).status,
          'link still usable',
        ).to.equal(200);
      },
    });
    if (!registered)
      expect((await w.submit(b, credentials, GOOD)).text).to.include('data-testid="download-password"');
  });

  it('download password: never 5xx; the key material stays until the right password', async function () {
    const b = w.browser();
    const { password, page, terminalOf } = await downloadPage(b);
    const token = target(page).url().split('/').pop()!;
    await fuzzForm(w, b, {
      ...target(page, token),
      fields: { password: null },
      invariant: async (response) => {
        expect(response.status, 'no file for a wrong password').to.not.equal(200);
        expect((await terminalOf()).pendingDownload, 'key material kept').to.not.equal(null);
      },
    });
    const file = await w.submit(b, page, { password }, token);
    expect(file.headers['content-type']).to.equal('application/x-pkcs12');
  });

  it('CSR submission: never 5xx; a refused request keeps the link and the key material', async function () {
    const b = w.browser();
    const { password, page, terminalOf } = await downloadPage(b);
    const { csrPem } = makeCsr();
    await fuzzForm(w, b, {
      ...target(page, '/csr'),
      fields: {
        password: mostly(password),
        csr: mostly(csrPem.slice(0, 300), `${csrPem}x`, csrPem.replace(/A/g, 'B')),
      },
      invariant: async (response) => {
        expect(response.status, 'no certificate for a broken request').to.not.equal(200);
        expect((await terminalOf()).pendingDownload).to.not.equal(null);
      },
    });
    const file = await w.submit(b, page, { password, csr: csrPem }, '/csr');
    expect(file.headers['content-type']).to.equal('application/x-pem-file');
  });

  it('secret answer: never 5xx; the password is re-issued only for the right answer, the counter within policy', async function () {
    const u = await w.user('p-y', { email: `fz-secret${(seq += 1)}@example.jp`, secretAnswer: 'ミニ' });
    const b = w.browser();
    await w.submit(b, await b.request(`${w.t.url}/recovery/password`), {
      userId: u.account.userId,
      email: u.terminal.email,
    });
    const link = await mailedLink(w, u.terminal.email, 'recovery/password');
    const page = await b.request(link);
    await fuzzForm(w, b, {
      ...target(page),
      fields: { questionId: mostly(...SECRET_QUESTION_IDS), answer: null },
      invariant: async () => {
        const a = await account(u.account.id);
        expect(a.mustChangePassword, 'no password re-issued').to.equal(false);
        expect(a.failedSecretAnswerCount).to.be.at.most(MAX);
      },
    });
    await store().resetCounter(u.account.id, 'secret_answer', new Date());
    const done = await w.submit(b, page, { questionId: 'first_car', answer: 'ミニ' });
    expect(done.text, 'the link is still usable').to.include('data-testid="issued-secret"');
  });

  it('password re-issue request: never 5xx; the same page for every request (runs last: it moves the clock)', async function () {
    const b = w.browser();
    const url = `${w.t.url}/recovery/password`;
    let page = await b.request(url);
    const sent = mainOf(await w.submit(b, page, { userId: 'p-y-nobody', email: 'nobody@example.jp' }));
    await fuzzForm(w, b, {
      url: () => url,
      csrf: () => formWith(page.text).csrf,
      fields: { userId: mostly('p-y-fz1', 'p-y-nobody'), email: null },
      // The request is limited per IP and hour: each run starts in a new window, with a new form.
      before: async () => {
        w.clock.offsetMs += 2 * HOUR;
        page = await b.request(url);
      },
      invariant: async (response) => {
        if (response.status === 200) expect(mainOf(response)).to.equal(sent);
      },
    });
  });
});
