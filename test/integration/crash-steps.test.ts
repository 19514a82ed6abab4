/**
 * Multi-step use cases under SIGKILL: a real `tobira start` told to kill itself at a named step of its
 * unit of work (TOBIRA_TEST_CRASH_AT, src/crash-point.ts) dies mid-request; restarted, the account is
 * as before the request — never a pending account with a used link, never a used re-issue link without
 * its certificate — and the same link finishes the job, then says it is used.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { createHttpsFetch, type HttpsFetch } from '../../src/http/https-fetch.js';
import { formOf, TestBrowser, type BrowserResponse } from '../helpers/browser.js';
import { downloadPasswordOn, enrollThroughPages, GOOD } from '../helpers/enroll.js';
import { nodeEnv, startNode, tobiraCli, type TobiraNode } from '../helpers/processes.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { freePort } from '../helpers/tobira.js';

describe('fault: SIGKILL between the steps of enrollment and certificate re-issue', function () {
  this.timeout(120_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let smtp: TestSmtp;
  let fetch: HttpsFetch;
  let ca: string;
  let key: string;
  let node: TobiraNode | undefined;
  const browsers: TestBrowser[] = [];

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-crash-steps-'));
    smtp = await startSmtp();
    env = nodeEnv(dir, await freePort(), { TOBIRA_SMTP_URL: smtp.url });
    key = /key: (\S+)/.exec(await tobiraCli(env, ['apikey', 'create', '--label', 'crash-steps']))![1]!;
    ca = await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8');
    fetch = createHttpsFetch({ ca });
    node = await startNode(env, fetch);
    expect(
      (await admin('POST', '/tenants', { id: 'p-67', name: 'Crash', supportContact: 'desk' })).status,
    ).to.equal(201);
  });
  after(async function () {
    for (const b of browsers) b.close();
    await node?.stop();
    await smtp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const admin = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${node!.url}/admin/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const browser = () => {
    const b = new TestBrowser({ ca });
    browsers.push(b);
    return b;
  };
  /** Restarts the node, with the crash step set or cleared. */
  const restart = async (crashAt?: string) => {
    await node?.stop();
    const { TOBIRA_TEST_CRASH_AT: _, ...rest } = env;
    node = await startNode(crashAt ? { ...rest, TOBIRA_TEST_CRASH_AT: crashAt } : rest, fetch);
  };
  /** Runs `request`, which must die with the node; then restarts the node normally. */
  const crashDuring = async (request: () => Promise<unknown>) => {
    const outcome = await request().then(
      () => 'answered',
      () => 'no answer',
    );
    expect(outcome, 'the request died with the node').to.equal('no answer');
    expect(await node!.exited).to.equal('SIGKILL');
    node = undefined;
    await restart();
  };
  /** Reads the store file directly, as a second connection. */
  const inStore = async <T>(read: (store: Awaited<ReturnType<typeof openSqliteStore>>) => Promise<T>) => {
    const store = await openSqliteStore({ path: path.join(dir, 'tobira.db') });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  };
  const submit = (b: TestBrowser, page: BrowserResponse, fields: Record<string, string>) =>
    b.request(new URL(formOf(page.text).action, node!.url).href, {
      form: { csrf: formOf(page.text).csrf, ...fields },
    });

  it('enrollment killed after the account was activated, before its certificates: still pending, the link finishes it', async function () {
    const created = await admin('POST', '/tenants/p-67/accounts', {
      userId: 'p-67-usr001',
      terminals: [
        { email: 'one@example.jp', type: 'pc' },
        { email: 'two@example.jp', type: 'smartphone' },
      ],
    });
    const link = {
      enrollmentUrl: String(created.body.enrollmentUrl),
      oneTimePassword: String(created.body.oneTimePassword),
    };
    await restart('work.account');
    await crashDuring(() => enrollThroughPages(browser(), node!.url, link));

    const before = await inStore(async (store) => {
      const account = (await store.getAccountByUserId('p-67-usr001'))!;
      return {
        status: account.status,
        passwordHash: account.passwordHash,
        certificates: (await store.listCertificates({ accountId: account.id })).length,
        mail: (await store.listMail({})).items.filter((m) => m.template === 'certificate_download').length,
      };
    });
    expect(before).to.deep.equal({ status: 'pending', passwordHash: null, certificates: 0, mail: 0 });

    const done = await enrollThroughPages(browser(), node!.url, link);
    expect(done.status).to.equal(200);
    expect(downloadPasswordOn(done)).to.match(/\S{6,}/);
    const after = await inStore(async (store) => {
      const account = (await store.getAccountByUserId('p-67-usr001'))!;
      const terminals = await store.listTerminals(account.id);
      return {
        status: account.status,
        current: terminals.map((t) => Boolean(t.currentCertificateSerial && t.pendingDownload)),
        certificates: (await store.listCertificates({ accountId: account.id, status: 'active' })).length,
      };
    });
    expect(after).to.deep.equal({ status: 'active', current: [true, true], certificates: 2 });
    await smtp.waitFor(2, 20_000);
    expect(smtp.messages.map((m) => (m.to as { text: string }).text).sort()).to.deep.equal([
      'one@example.jp',
      'two@example.jp',
    ]);
    const again = await browser().request(link.enrollmentUrl);
    expect(again.text, 'the link now says it is used').to.not.include('name="otp"');
    expect(again.status).to.be.within(400, 499);
  });

  it('certificate re-issue killed after the new certificate was saved, before its download mail: the old certificate stands, the link finishes it', async function () {
    const account = await inStore((store) => store.getAccountByUserId('p-67-usr001'));
    const [first] = await inStore((store) => store.listTerminals(account!.id));
    const oldSerial = first!.currentCertificateSerial;
    smtp.messages.length = 0;
    expect(
      (await admin('POST', '/accounts/p-67-usr001/terminals/1/certificate-reissue', {})).status,
    ).to.equal(202);
    const [mail] = await smtp.waitFor(1, 20_000);
    const link = /https:\/\/\S+\/recovery\/certificate\/[A-Za-z0-9_-]+/.exec(mail!.text!)![0];
    smtp.messages.length = 0;

    await restart('work.certificates');
    const b = browser();
    const page = await b.request(link);
    expect(page.text).to.include('「証明書再発行」');
    await crashDuring(() => submit(b, page, { questionId: GOOD.questionId, answer: GOOD.answer }));
    const standing = await inStore(async (store) => ({
      current: (await store.getTerminal(first!.id))!.currentCertificateSerial,
      active: (await store.listCertificates({ terminalId: first!.id, status: 'active' })).length,
    }));
    expect(standing).to.deep.equal({ current: oldSerial, active: 1 });

    const retry = browser();
    const done = await submit(retry, await retry.request(link), {
      questionId: GOOD.questionId,
      answer: GOOD.answer,
    });
    expect(done.text).to.include('「証明書再発行完了」');
    const reissued = await inStore(async (store) => ({
      current: (await store.getTerminal(first!.id))!.currentCertificateSerial,
      old: (await store.getCertificate(oldSerial!))!.status,
    }));
    expect(reissued.current).to.not.equal(oldSerial);
    expect(reissued.old).to.equal('superseded');
    const [download] = await smtp.waitFor(1, 20_000);
    expect(download!.subject).to.include('ダウンロード');
    const used = await browser().request(link);
    expect(used.text, 'the link now says it is used').to.not.include('「証明書再発行」</h1>');
  });
});
