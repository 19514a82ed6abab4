/** Mail: templates, a real SMTP exchange, the .eml fallback and the persistent outbox. */
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { ManualClock } from '../../src/clock.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createLogger } from '../../src/log.js';
import {
  MAIL_TEMPLATES,
  MailRenderer,
  Mailer,
  OutboxWorker,
  createFileTransport,
  createSmtpTransport,
} from '../../src/mail/index.js';
import type { Store } from '../../src/store.js';
import { freePort } from '../helpers/tobira.js';
import { startSmtp } from '../helpers/smtp.js';
import { MAIL_DATA } from './data.js';

const DATA = MAIL_DATA;
const silent = createLogger('silent');

describe('mail', function () {
  let renderer: MailRenderer;
  before(async function () {
    renderer = await MailRenderer.load({
      serviceName: 'Tobira ログインサービス',
      supportContact: 'desk@example.jp',
    });
  });

  describe('templates', function () {
    it('renders every template in Japanese and English with nothing left unfilled', function () {
      for (const name of MAIL_TEMPLATES) {
        for (const locale of ['ja', 'en'] as const) {
          const mail = renderer.render(name, locale, DATA);
          expect(mail.subject, `${locale}/${name}`).to.be.a('string').and.not.equal('');
          expect(mail.text + mail.html).to.not.include('{{');
          expect(mail.html).to.include(`lang="${locale}"`);
          expect(mail.text).to.include('desk@example.jp');
        }
      }
    });

    it('renders the download guide like the manual’s mail, with the CN, URLs and expiry (JST)', function () {
      const mail = renderer.render('certificate_download', 'ja', DATA);
      expect(mail.subject).to.equal('電子証明書ダウンロードのご案内');
      for (const part of [
        'p-01-usr012 様',
        '●電子証明書の名前',
        'p-01-usr012 #1',
        '●電子証明書ダウンロード URL',
        DATA.downloadUrl,
        DATA.guideUrl,
        '『証明書ダウンロード',
        '■URL は大切な情報です',
        '2026年12月1日',
      ]) {
        expect(mail.text).to.include(part);
      }
      expect(mail.html).to.include(`<a href="${DATA.downloadUrl}"`);
    });

    it('escapes data in the HTML part and refuses a template with a missing field', function () {
      const mail = renderer.render('certificate_download', 'en', {
        ...DATA,
        userId: '<script>alert(1)</script>',
      });
      expect(mail.html).to.not.include('<script>');
      expect(mail.html).to.include('&lt;script&gt;');
      expect(() => renderer.render('certificate_download', 'ja', { userId: 'x' })).to.throw();
    });
  });

  describe('transports', function () {
    it('sends over SMTP: Japanese subject, text and HTML arrive intact', async function () {
      const smtp = await startSmtp();
      const transport = createSmtpTransport(smtp.url);
      try {
        const rendered = renderer.render('certificate_download', 'ja', DATA);
        await transport.send({
          from: 'Tobira <no-reply@example.jp>',
          to: 'user@example.jp',
          ...rendered,
          messageId: '<m1@tobira>',
        });
        const [mail] = await smtp.waitFor(1);
        expect(mail!.subject).to.equal('電子証明書ダウンロードのご案内');
        expect(mail!.from?.text).to.include('no-reply@example.jp');
        expect((mail!.to as { text: string }).text).to.equal('user@example.jp');
        expect(mail!.text).to.include('p-01-usr012 #1');
        expect(mail!.html).to.include(DATA.downloadUrl);
      } finally {
        await transport.close?.();
        await smtp.close();
      }
    });

    it('writes a parseable .eml per mail and logs its links when no SMTP server is configured', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-mail-'));
      const lines: string[] = [];
      try {
        const transport = createFileTransport(dir, (line) => lines.push(line));
        await transport.send({
          from: 'no-reply@example.jp',
          to: 'user@example.jp',
          ...renderer.render('enrollment_invitation', 'ja', DATA),
          messageId: '<m2@tobira>',
        });
        const [file] = await readdir(dir);
        const parsed = await simpleParser(await readFile(path.join(dir, file!)));
        expect(parsed.subject).to.equal('認証情報登録のご案内');
        expect(parsed.text).to.include('K7fQm3Xa9p');
        expect(lines[0]).to.include(DATA.enrollmentUrl);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('outbox', function () {
    let store: Store;
    let clock: ManualClock;
    let mailer: Mailer;
    const box = new SecretBox(randomBytes(32));
    beforeEach(async function () {
      store = await openSqliteStore({ path: ':memory:' });
      clock = new ManualClock(new Date('2026-11-24T00:00:00Z'));
      mailer = new Mailer({ store, renderer, clock, box });
    });
    afterEach(async () => store.close());

    const worker = (
      transportUrl: string,
      extra: Partial<ConstructorParameters<typeof OutboxWorker>[0]> = {},
    ) =>
      new OutboxWorker({
        store,
        transport: createSmtpTransport(transportUrl),
        clock,
        box,
        from: 'no-reply@example.jp',
        log: silent,
        backoff: () => 5000,
        ...extra,
      });

    it('keeps mail while SMTP is down and delivers it once the server is back', async function () {
      const port = await freePort();
      await mailer.enqueue({
        to: 'user@example.jp',
        template: 'certificate_download',
        locale: 'ja',
        data: DATA,
      });
      const w = worker(`smtp://127.0.0.1:${port}`);
      expect(await w.runOnce()).to.deep.equal({ sent: 0, retried: 1, failed: 0 });
      const [pending] = (await store.listMail({ status: 'pending' })).items;
      expect(pending).to.include({ attempts: 1 });
      expect(pending!.nextAttemptAt.getTime()).to.be.greaterThan(clock.now().getTime());
      expect(pending!.lastError).to.match(/ECONNREFUSED/);

      const smtp = await startSmtp({ port });
      try {
        expect(await w.runOnce(), 'not yet due').to.deep.equal({ sent: 0, retried: 0, failed: 0 });
        clock.advance(5000);
        expect(await w.runOnce()).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
        const [mail] = await smtp.waitFor(1);
        expect(mail!.subject).to.equal('電子証明書ダウンロードのご案内');
        expect((await store.listMail({ status: 'sent' })).total).to.equal(1);
      } finally {
        await smtp.close();
      }
    });

    it('fails a mail for good on a 550 and reports it', async function () {
      const smtp = await startSmtp({ rejectRecipient: (a) => a.startsWith('nobody@') });
      const reported: string[] = [];
      try {
        await mailer.enqueue({
          to: 'nobody@example.jp',
          template: 'password_reissue',
          locale: 'en',
          data: DATA,
        });
        const w = worker(smtp.url, {
          onPermanentFailure: async (mail, error) => void reported.push(`${mail.to}: ${error}`),
        });
        expect(await w.runOnce()).to.deep.equal({ sent: 0, retried: 0, failed: 1 });
        expect((await store.listMail({ status: 'failed' })).items[0]!.lastError).to.match(/550/);
        expect(reported[0]).to.match(/^nobody@example\.jp: .*550/);
      } finally {
        await smtp.close();
      }
    });

    it('delivers each of 20 mails exactly once with two workers running at the same time', async function () {
      const smtp = await startSmtp();
      try {
        for (let i = 0; i < 20; i += 1)
          await mailer.enqueue({
            to: `user${i}@example.jp`,
            template: 'terminal_added',
            locale: 'ja',
            data: DATA,
          });
        const a = worker(smtp.url, { workerId: 'a', batchSize: 3 });
        const b = worker(smtp.url, { workerId: 'b', batchSize: 3 });
        for (let round = 0; round < 10; round += 1) await Promise.all([a.runOnce(), b.runOnce()]);
        await smtp.waitFor(20);
        const ids = smtp.messages.map((m) => m.messageId);
        expect(ids).to.have.length(20);
        expect(new Set(ids).size).to.equal(20);
        expect((await store.listMail({ status: 'sent' })).total).to.equal(20);
      } finally {
        await smtp.close();
      }
    });
  });
});
