/**
 * 証明書再発行 started by the user from アカウント管理 (SPEC §6, manual ch. 8) over real HTTPS with real
 * client certificates and a real SMTP server: menu → 証明書再発行案内 → mail → secret question → new
 * certificate; the old certificate refused at the next login, the new one accepted. Refusals: the
 * tenant's policy off, a sign-in too old to change certificates without the password again, no CSRF.
 */
import { expect } from 'chai';
import { CALLBACK, mailedLink, mainOf, startWorld, type World } from '../helpers/attacker.js';
import { formOf, htmlText, type BrowserResponse, type TestBrowser } from '../helpers/browser.js';
import type { TestRp } from '../helpers/rp.js';

const REISSUE_SUBJECT = '証明書再発行手順のご案内';

describe('certificate re-issue started from the account pages', function () {
  let w: World;
  let rp: TestRp;

  /** An account of `tenantId` whose secret question 「初めて買った車は?」 is answered 「ミニ」. */
  const user = (tenantId: string) => w.user(tenantId, { secretAnswer: 'ミニ' });
  /** Post the form of `page` whose action ends with `path` (the menu's logout form comes first). */
  const post = (b: TestBrowser, page: BrowserResponse, path: string, fields: Record<string, string>) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    return b.follow(`${w.t.url}${path}`, w.t.url, { form: { csrf, ...fields } });
  };
  const reissueMails = (address: string) =>
    w.smtp!.messages.filter(
      (m) => (m.to as { text: string }).text === address && m.subject === REISSUE_SUBJECT,
    );
  /** The outbox worker sends at once; a moment's wait shows that nothing was queued. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  before(async function () {
    w = await startWorld({
      tenants: {
        'p-71': { features: { maxTerminals: 3 } },
        'p-72': { features: { certificateReissue: false } },
      },
      smtp: true,
    });
    ({ rp } = await w.relyingParty('p-71'));
  });
  after(async function () {
    await w?.close();
  });

  it('goes from the menu to a new certificate that signs in, while the old one is refused', async function () {
    const u = await user('p-71');
    const b = w.browser(u);
    const home = await w.signInAccount(b, u);
    expect(mainOf(home)).to.include('href="/account/certificate"');

    const request = await b.request(`${w.t.url}/account/certificate`);
    expect(request.status).to.equal(200);
    expect(mainOf(request))
      .to.include('証明書再発行案内')
      .and.include(u.terminal.email)
      .and.include('aria-current="step"');
    const sent = await post(b, request, '/account/certificate', { terminal: '1' });
    expect(sent.status).to.equal(200);
    expect(mainOf(sent)).to.include('証明書再発行案内完了').and.include(u.terminal.email);
    const audit = await w.t.tobira.store.listAuditEvents({
      accountId: u.account.id,
      action: 'certificate.reissue_started',
    });
    expect(audit.items[0]).to.include({ actor: `user:${u.account.id}`, sourceIp: '127.0.0.1' });

    const question = await b.request(await mailedLink(w, u.terminal.email, 'recovery/certificate'));
    expect(reissueMails(u.terminal.email)).to.have.length(1);
    expect(mainOf(question)).to.include('証明書再発行').and.include('name="answer"');
    const done = await w.submit(b, question, { questionId: 'first_car', answer: 'ミニ' });
    expect(mainOf(done)).to.include('証明書再発行完了').and.include('data-testid="issued-secret"');
    const downloadPassword = htmlText(/data-testid="issued-secret">([^<]+)</.exec(done.text)![1]!);
    expect(
      (await w.t.tobira.store.getCertificate(u.certificate.serial))!.status,
      'the old certificate is superseded as the new one is issued',
    ).to.equal('superseded');

    const downloadPage = await b.request(await mailedLink(w, u.terminal.email, 'download'));
    const { action, csrf } = formOf(downloadPage.text);
    const file = await b.request(new URL(action, w.t.url).href, {
      form: { csrf, password: downloadPassword },
    });
    expect(file.headers['content-type']).to.equal('application/x-pkcs12');

    const old = await w.openLogin(w.browser(u), rp);
    expect(old.page.status).to.equal(403);
    expect(mainOf(old.page)).to.include('失効しています');
    const renewed = w.browser({ p12: file.body, p12Password: downloadPassword });
    const { start, page } = await w.openLogin(renewed, rp);
    expect(mainOf(page)).to.include('ユーザIDとパスワードを入力してください。');
    const back = await w.submit(renewed, page, { userId: u.account.userId, password: u.password });
    expect(back.location).to.match(CALLBACK);
    const { claims } = await rp.finish(back.location!, start);
    expect(claims.preferred_username).to.equal(u.account.userId);
  });

  it('mails the terminal the user picks, and only the newest link works', async function () {
    const u = await user('p-71');
    const second = await w.t.tobira.store.createTerminal(
      {
        id: `second-${u.account.id}`,
        accountId: u.account.id,
        email: `second-${u.account.userId}@example.jp`,
        type: 'smartphone',
      },
      w.clock.now(),
    );
    const b = w.browser(u);
    await w.signInAccount(b, u);
    const request = await b.request(`${w.t.url}/account/certificate`);
    expect(mainOf(request)).to.include(second.email).and.include('スマートフォン');
    await post(b, request, '/account/certificate', { terminal: String(second.number) });
    const first = await mailedLink(w, second.email, 'recovery/certificate');
    await post(b, request, '/account/certificate', { terminal: String(second.number) });
    for (let i = 0; i < 100 && reissueMails(second.email).length < 2; i += 1) await settle();
    expect(reissueMails(second.email)).to.have.length(2);
    expect(reissueMails(u.terminal.email), 'nothing to the other terminal').to.have.length(0);
    const replaced = await b.request(first);
    expect(replaced.status, 'the first link was replaced by the second').to.equal(410);

    const unknown = await post(b, request, '/account/certificate', { terminal: '9' });
    expect(unknown.status).to.equal(422);
    expect(mainOf(unknown)).to.include('再発行する端末を選択してください。');
  });

  it('says so on a clear page when the tenant’s policy does not allow re-issue, and mails nothing', async function () {
    const u = await user('p-72');
    const b = w.browser(u);
    const home = await w.signInAccount(b, u);
    expect(home.url).to.equal(`${w.t.url}/account`);
    expect(home.text, 'no menu entry').to.not.include('/account/certificate');
    const page = await b.request(`${w.t.url}/account/certificate`);
    expect(page.status).to.equal(403);
    expect(mainOf(page)).to.include('この操作はご利用のWebサイトの設定により行えません。');
    const refused = await post(b, home, '/account/certificate', { terminal: '1' });
    expect(refused.status).to.equal(403);
    await settle();
    expect(reissueMails(u.terminal.email)).to.have.length(0);
  });

  it('asks for the password again when the sign-in is a few minutes old, then continues', async function () {
    const u = await user('p-71');
    const b = w.browser(u);
    const home = await w.signInAccount(b, u);
    w.clock.offsetMs += 6 * 60_000;
    try {
      const page = await b.request(`${w.t.url}/account/certificate`);
      expect(page.status).to.equal(401);
      expect(mainOf(page)).to.include('パスワードの再確認').and.not.include('name="terminal"');
      const posted = await post(b, home, '/account/certificate', { terminal: '1' });
      expect(posted.status, 'a post with a stale sign-in is not carried out').to.equal(401);
      const back = await post(b, page, '/account/reauth', {
        password: u.password,
        next: '/account/certificate',
      });
      expect(back.url).to.equal(`${w.t.url}/account/certificate`);
      expect(mainOf(back)).to.include('name="terminal"');
    } finally {
      w.clock.offsetMs -= 6 * 60_000;
    }
    await settle();
    expect(reissueMails(u.terminal.email), 'nothing mailed without the password').to.have.length(0);
  });

  it('refuses a post without the page’s CSRF token or with a forged one', async function () {
    const u = await user('p-71');
    const b = w.browser(u);
    await w.signInAccount(b, u);
    const missing = await b.request(`${w.t.url}/account/certificate`, { form: { terminal: '1' } });
    expect(missing.status).to.equal(403);
    const forged = await b.request(`${w.t.url}/account/certificate`, {
      form: { csrf: 'x'.repeat(43), terminal: '1' },
    });
    expect(forged.status).to.equal(403);
    expect(mainOf(forged)).to.include('不正な送信です').and.not.include('証明書再発行案内完了');
    await settle();
    expect(reissueMails(u.terminal.email)).to.have.length(0);
  });
});
