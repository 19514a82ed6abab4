/**
 * A terminal saved before addresses had to be ASCII (707825f) keeps working for login, but no
 * certificate can be issued for it: its address would be the certificate's rfc822Name (IA5String).
 * Every issuance path refuses it clearly (terminal_email_not_ascii) before anything is made or written:
 * the account page (real browser over HTTPS with client certificates), the mailed re-issue link, the
 * admin API; and the admin API lists such terminals, within a key's tenant. The address is written
 * straight into the store, as old data would be.
 */
import { expect } from 'chai';
import request from 'supertest';
import { newToken, sha256Hex } from '../../src/random.js';
import { TerminalEmailError, asciiEquivalentOf } from '../../src/services/terminal-email.js';
import { CALLBACK, mailedLink, mainOf, newEnrollment, startWorld, type World } from '../helpers/attacker.js';
import { formOf, htmlText, type BrowserResponse, type TestBrowser } from '../helpers/browser.js';
import { makeCsr } from '../helpers/csr.js';
import { enrollThroughPages } from '../helpers/enroll.js';
import type { TestUser } from '../helpers/fixtures.js';
import type { TestRp } from '../helpers/rp.js';

const IDN_DOMAIN = 'taro@例え.jp';
const NON_ASCII_LOCAL = '山田@example.jp';

describe('terminals whose e-mail address is not ASCII (saved before the rule)', function () {
  let w: World;
  const rps: Record<string, TestRp> = {};
  let key: string;
  let desk92: string;

  const api = (method: 'get' | 'post', path: string, token = key) => {
    const agent = request(w.t.url);
    const req = method === 'get' ? agent.get(`/admin/v1${path}`) : agent.post(`/admin/v1${path}`);
    return req.ca(w.t.tobira.ca.certificatePem).set('Authorization', `Bearer ${token}`);
  };

  /** An account of `tenantId` whose secret question 「初めて買った車は?」 is answered 「ミニ」. */
  const user = (tenantId: string) => w.user(tenantId, { secretAnswer: 'ミニ' });
  /** As old data: no validation between the address and the store. */
  const setAddress = (u: TestUser, email: string) =>
    w.t.tobira.store.updateTerminal(u.terminal.id, { email }, w.clock.now());
  const post = (b: TestBrowser, page: BrowserResponse, path: string, fields: Record<string, string>) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    return b.follow(`${w.t.url}${path}`, w.t.url, { form: { csrf, ...fields } });
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  /** What an issuance would have left behind: certificates, mail, re-issue audit events. */
  async function traces(u: TestUser) {
    const store = w.t.tobira.store;
    return {
      certificates: (await store.listCertificates({ accountId: u.account.id })).map((c) => c.serial),
      mail: (await store.listMail({ limit: 200 })).total,
      events: (await store.listAuditEvents({ accountId: u.account.id })).items
        .map((e) => e.action)
        .filter((a) => a.startsWith('certificate.')),
      pending: (await store.getTerminal(u.terminal.id))!.pendingDownload,
    };
  }
  /** The terminal's existing certificate still signs in at a relying party. */
  async function stillSignsIn(u: TestUser) {
    const b = w.browser(u);
    const { page } = await w.openLogin(b, rps[u.account.tenantId]!);
    const back = await w.submit(b, page, { userId: u.account.userId, password: u.password });
    expect(back.location, 'login with the existing certificate').to.match(CALLBACK);
  }

  before(async function () {
    w = await startWorld({
      tenants: { 'p-91': {}, 'p-92': {}, 'p-93': { features: { terminalChange: false } } },
      smtp: true,
    });
    for (const tenant of ['p-91', 'p-92']) rps[tenant] = (await w.relyingParty(tenant)).rp;
    key = newToken(32);
    await w.t.tobira.store.createApiKey({ id: 'key-te', keyHash: sha256Hex(key), label: 'te' }, new Date());
    desk92 = newToken(32);
    await w.t.tobira.store.createApiKey(
      { id: 'key-te-92', keyHash: sha256Hex(desk92), label: 'p-92 desk', tenantId: 'p-92' },
      new Date(),
    );
  });
  after(async function () {
    await w?.close();
  });

  it('offers the IDNA form only when the local part is ASCII', function () {
    expect(asciiEquivalentOf(IDN_DOMAIN)).to.equal('taro@xn--r8jz45g.jp');
    expect(asciiEquivalentOf(NON_ASCII_LOCAL)).to.equal(null);
  });

  it('account page: refuses with what to change first, writes nothing, and the terminal still signs in', async function () {
    const u = await user('p-91');
    await setAddress(u, IDN_DOMAIN);
    const b = w.browser(u);
    await w.signInAccount(b, u);
    const before = await traces(u);
    const page = await b.request(`${w.t.url}/account/certificate`);
    expect(page.status).to.equal(200);
    const refused = await post(b, page, '/account/certificate', { terminal: '1' });
    expect(refused.status).to.equal(409);
    expect(mainOf(refused))
      .to.include('電子証明書に記載できない文字')
      .and.include('「端末情報の変更」')
      .and.include('taro@xn--r8jz45g.jp')
      .and.not.include('をお送りしました');
    await settle();
    expect(await traces(u)).to.deep.equal(before);
    expect(before.events).to.not.include('certificate.reissue_started');

    const en = await b.request(`${w.t.url}/account/certificate?lang=en`);
    const refusedEn = await post(b, en, '/account/certificate?lang=en', { terminal: '1' });
    expect(mainOf(refusedEn)).to.include('characters a certificate cannot hold');
    await stillSignsIn(u);
  });

  it('account page: where users may not change terminals, points to the administrator', async function () {
    const u = await user('p-93');
    await setAddress(u, NON_ASCII_LOCAL);
    const b = w.browser(u);
    await w.signInAccount(b, u);
    const page = await b.request(`${w.t.url}/account/certificate`);
    const refused = await post(b, page, '/account/certificate', { terminal: '1' });
    expect(refused.status).to.equal(409);
    expect(mainOf(refused))
      .to.include('管理者')
      .and.not.include('「端末情報の変更」')
      .and.not.include('xn--');
  });

  it('mailed re-issue link: refused when opened or answered, link unused, nothing issued or mailed', async function () {
    const u = await user('p-91');
    const started = await api('post', `/accounts/${u.account.userId}/terminals/1/certificate-reissue`).send(
      {},
    );
    expect(started.status).to.equal(202);
    const link = await mailedLink(w, u.terminal.email, 'recovery/certificate');
    const b = w.browser(null);
    const question = await b.request(link);
    expect(question.status).to.equal(200);
    // The address changes to a non-ASCII one after the link was mailed (as before the rule).
    await setAddress(u, NON_ASCII_LOCAL);
    const before = await traces(u);
    const answered = await w.submit(b, question, { questionId: 'first_car', answer: 'ミニ' });
    const opened = await w.browser(null).request(link);
    for (const refused of [answered, opened]) {
      expect(refused.status).to.equal(409);
      expect(mainOf(refused))
        .to.include('電子証明書に記載できない文字')
        .and.include('管理者')
        .and.not.include('name="answer"')
        .and.not.include('data-testid="issued-secret"');
    }
    await settle();
    expect(await traces(u)).to.deep.equal(before);
    await stillSignsIn(u);
    await setAddress(u, u.terminal.email);
    expect((await w.browser(null).request(link)).status, 'the ticket was not consumed').to.equal(200);
  });

  it('admin API: 409 with the stable code, nothing mailed; lists such terminals within the key’s tenant', async function () {
    const u = await user('p-92');
    await setAddress(u, IDN_DOMAIN);
    const before = await traces(u);
    const res = await api('post', `/accounts/${u.account.userId}/terminals/1/certificate-reissue`).send({});
    expect(res.status).to.equal(409);
    expect(res.body).to.include({ error: 'conflict' });
    expect(res.body.details).to.deep.equal({
      code: 'terminal_email_not_ascii',
      terminal: 1,
      asciiEquivalent: 'taro@xn--r8jz45g.jp',
    });
    await settle();
    expect(await traces(u)).to.deep.equal(before);

    const all = await api('get', '/terminals/non-ascii-email');
    expect(all.status).to.equal(200);
    const mine = { tenantId: 'p-92', userId: u.account.userId, terminal: 1, email: IDN_DOMAIN };
    expect(all.body.items).to.deep.include({ ...mine, asciiEquivalent: 'taro@xn--r8jz45g.jp' });
    expect(all.body.items.map((x: { tenantId: string }) => x.tenantId)).to.include('p-91');
    const scoped = await api('get', '/terminals/non-ascii-email?tenant=p-91', desk92);
    expect(scoped.body.items.map((x: { tenantId: string }) => x.tenantId)).to.deep.equal(['p-92']);

    // The operator's fix: an address a certificate can carry, within the key's tenant only.
    const patch = (body: object, token = key) =>
      request(w.t.url)
        .patch(`/admin/v1/accounts/${u.account.userId}/terminals/1`)
        .ca(w.t.tobira.ca.certificatePem)
        .set('Authorization', `Bearer ${token}`)
        .send(body);
    const invalid = await patch({ email: NON_ASCII_LOCAL });
    expect(invalid.status).to.equal(400);
    expect(invalid.body.details).to.deep.equal({ code: 'terminal.invalid_email' });
    expect((await patch({ email: 'taro@xn--r8jz45g.jp' }, desk92)).status).to.equal(200);
    const listed = await api('get', '/terminals/non-ascii-email?tenant=p-92');
    expect(listed.body.items.map((x: { userId: string }) => x.userId)).to.not.include(u.account.userId);
    const changed = await w.t.tobira.store.listAuditEvents({
      accountId: u.account.id,
      action: 'terminal.changed',
    });
    expect(changed.items[0]).to.include({ actor: 'admin:key-te-92' });
    const reissue = await api('post', `/accounts/${u.account.userId}/terminals/1/certificate-reissue`).send(
      {},
    );
    expect(reissue.status, 'a re-issue can start once the address is fixed').to.equal(202);
    expect(reissue.body.mailedTo).to.equal('taro@xn--r8jz45g.jp');

    const doc = await api('get', '/openapi.json');
    expect(JSON.stringify(doc.body)).to.include('/terminals/non-ascii-email');
    await stillSignsIn(u);
  });

  it('CSR download: refuses before the password is tried; the link and its PKCS#12 stay as they were', async function () {
    const u = await user('p-91');
    await api('post', `/accounts/${u.account.userId}/terminals/1/certificate-reissue`).send({});
    const b = w.browser(null);
    const question = await b.request(await mailedLink(w, u.terminal.email, 'recovery/certificate'));
    const done = await w.submit(b, question, { questionId: 'first_car', answer: 'ミニ' });
    const downloadPassword = htmlText(/data-testid="issued-secret">([^<]+)</.exec(done.text)![1]!);
    const downloadUrl = await mailedLink(w, u.terminal.email, 'download');
    await setAddress(u, IDN_DOMAIN);
    const before = await traces(u);
    const page = await b.request(downloadUrl);
    const csrAction = [...page.text.matchAll(/<form method="post" action="([^"]+)"/g)].find((m) =>
      m[1]!.endsWith('/csr'),
    )![1]!;
    const refused = await b.request(new URL(csrAction, w.t.url).href, {
      form: { csrf: formOf(page.text).csrf, password: downloadPassword, csr: makeCsr().csrPem },
    });
    expect(refused.status).to.equal(409);
    expect(mainOf(refused)).to.include('電子証明書に記載できない文字').and.include('taro@xn--r8jz45g.jp');
    expect(await traces(u)).to.deep.equal(before);
    expect((await b.request(downloadUrl)).status, 'the link is still usable').to.equal(200);
  });

  it('the certificate service itself refuses before a key or a certificate is made', async function () {
    const u = await user('p-92');
    const terminal = (await setAddress(u, NON_ASCII_LOCAL))!;
    const tenant = (await w.t.tobira.store.getTenant('p-92'))!;
    const { certificates } = w.t.tobira;
    const before = await traces(u);
    const refusal = async (attempt: () => Promise<unknown>) => {
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TerminalEmailError);
      expect(error).to.include({ code: 'terminal_email_not_ascii', terminalNumber: 1 });
    };
    await refusal(() =>
      certificates.prepareForTerminal({
        account: u.account,
        tenant,
        terminal,
        downloadPassword: 'x',
        downloadExpiresAt: w.clock.now(),
      }),
    );
    await refusal(() =>
      certificates.issueFromCsr({
        account: u.account,
        tenant,
        terminal,
        csrPem: makeCsr().csrPem,
        actor: 'test',
      }),
    );
    expect(await traces(u)).to.deep.equal(before);
  });

  it('enrollment of a pending account: refused at registration, nothing written, the link still works', async function () {
    const created = await newEnrollment(w, 'p-91', 'usr-te-enroll');
    const [terminal] = await w.t.tobira.store.listTerminals(created.account.id);
    await w.t.tobira.store.updateTerminal(terminal!.id, { email: IDN_DOMAIN }, w.clock.now());
    const mailBefore = (await w.t.tobira.store.listMail({ limit: 200 })).total;
    const refused = await enrollThroughPages(w.browser(null), w.t.url, created);
    expect(refused.status).to.equal(409);
    expect(mainOf(refused)).to.include('電子証明書に記載できない文字').and.include('管理者');
    expect((await w.t.tobira.store.getAccount(created.account.id))!.status).to.equal('pending');
    expect(await w.t.tobira.store.listCertificates({ accountId: created.account.id })).to.deep.equal([]);
    expect((await w.t.tobira.store.listMail({ limit: 200 })).total).to.equal(mailBefore);
    expect((await w.browser(null).request(created.enrollmentUrl)).status).to.equal(200);
  });
});
