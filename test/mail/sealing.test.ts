/**
 * Mail bodies at rest: sealed by the Mailer and bound to the mail, opened by the worker only to send,
 * dropped when settled; a store written before sealing is made safe at start; subjects carry no data.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS, openSqliteStore } from '../../adapters/sqlite/index.js';
import { ManualClock } from '../../src/clock.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createLogger } from '../../src/log.js';
import {
  MAIL_TEMPLATES,
  MailBodyError,
  MailRenderer,
  Mailer,
  OutboxWorker,
  createSmtpTransport,
  openMailBody,
  sealStoredMail,
} from '../../src/mail/index.js';
import type { Store } from '../../src/store.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { MAIL_DATA } from './data.js';

const OTP = 'Q4wz8Rk2Vt';
const ENROLL_URL = 'https://login.example.jp/enroll/tok3nThatEnrollsAnAccount';
const DATA = { ...MAIL_DATA, enrollmentUrl: ENROLL_URL, oneTimePassword: OTP };
const silent = createLogger('silent');
const T0 = new Date('2026-11-24T00:00:00Z');

const smtpWorker = (store: Store, smtp: TestSmtp, box: SecretBox) =>
  new OutboxWorker({
    store,
    transport: createSmtpTransport(smtp.url),
    clock: new ManualClock(T0),
    box,
    from: 'no-reply@example.jp',
    log: silent,
  });

describe('mail bodies at rest', function () {
  let renderer: MailRenderer;
  let box: SecretBox;
  before(async function () {
    renderer = await MailRenderer.load({ serviceName: 'Tobira', supportContact: 'desk@example.jp' });
    box = new SecretBox(randomBytes(32));
  });

  it('keeps every subject free of per-recipient data, so it may stay in clear', function () {
    const other = Object.fromEntries(
      Object.entries(DATA).map(([k, v]) => [k, v instanceof Date ? new Date(0) : `other-${String(v)}`]),
    );
    for (const name of MAIL_TEMPLATES)
      for (const locale of ['ja', 'en'] as const)
        expect(renderer.render(name, locale, other).subject, `${locale}/${name}`).to.equal(
          renderer.render(name, locale, DATA).subject,
        );
  });

  describe('outbox', function () {
    let store: Store;
    let clock: ManualClock;
    let mailer: Mailer;
    let smtp: TestSmtp;
    beforeEach(async function () {
      store = await openSqliteStore({ path: ':memory:' });
      clock = new ManualClock(T0);
      mailer = new Mailer({ store, renderer, clock, box });
      smtp = await startSmtp();
    });
    afterEach(async function () {
      await smtp.close();
      await store.close();
    });
    const worker = () => smtpWorker(store, smtp, box);
    const invite = (to: string) =>
      mailer.enqueue({ to, template: 'enrollment_invitation', locale: 'ja', data: DATA });

    it('stores the body sealed and bound to its mail; the key and the mail id open it', async function () {
      const mail = await invite('user@example.jp');
      const [stored] = (await store.listMail({ status: 'pending' })).items;
      for (const part of [stored!.text, stored!.html]) {
        expect(part).to.match(/^v1\./);
        for (const secret of [OTP, ENROLL_URL, 'tok3nThatEnrollsAnAccount', DATA.userId])
          expect(part).to.not.include(secret);
      }
      const rendered = renderer.render('enrollment_invitation', 'ja', DATA);
      expect(openMailBody(box, stored!)).to.deep.equal({ text: rendered.text, html: rendered.html });
      expect(() => openMailBody(box, { ...stored!, id: 'another-mail' })).to.throw(MailBodyError);
      expect(() => openMailBody(box, { ...stored!, html: stored!.text })).to.throw(MailBodyError);
      expect(() => openMailBody(new SecretBox(randomBytes(32)), stored!)).to.throw(MailBodyError);
      expect(mail.id).to.equal(stored!.id);
    });

    it('sends the opened body, then keeps only metadata; a body moved from another mail fails for good', async function () {
      const good = await invite('good@example.jp');
      const moved = await invite('moved@example.jp');
      // An attacker with write access copies one mail's sealed body onto another mail.
      const current = { text: moved.text!, html: moved.html };
      expect(await store.replaceMailBody(moved.id, current, { text: good.text!, html: good.html })).to.equal(
        true,
      );
      expect(await worker().runOnce()).to.deep.equal({ sent: 1, retried: 0, failed: 1 });

      const [received] = await smtp.waitFor(1);
      expect((received!.to as { text: string }).text).to.equal('good@example.jp');
      expect(received!.subject).to.equal('認証情報登録のご案内');
      expect(received!.text).to.include(OTP).and.include(ENROLL_URL);
      expect(received!.html).to.include(`href="${ENROLL_URL}"`);

      const [sent] = (await store.listMail({ status: 'sent' })).items;
      expect(sent).to.deep.include({
        id: good.id,
        to: 'good@example.jp',
        text: null,
        html: null,
        attempts: 1,
      });
      const [failed] = (await store.listMail({ status: 'failed' })).items;
      expect(failed).to.deep.include({ id: moved.id, text: null, html: null });
      expect(failed!.lastError).to.match(/^mail_body_unreadable/);
      expect(smtp.messages).to.have.length(1);
    });
  });

  describe('a store written before bodies were sealed', function () {
    let dir: string;
    beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-mail-legacy-'))));
    afterEach(async () => rm(dir, { recursive: true, force: true }));

    /** A schema-3 database with mail in every state, bodies in clear, as the previous version left it. */
    function legacyDatabase(file: string): void {
      const db = new Database(file);
      const row = (id: string, status: string, extra = 'NULL, NULL') =>
        `('${id}', '${id}@example.jp', 'subject', 'text ${id} ${OTP}\n', '<p>${id} ${ENROLL_URL}</p>',
          'enrollment_invitation', '${status}', 1, 0, ${extra}, 0, NULL)`;
      db.exec(
        'CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);' +
          MIGRATIONS.slice(0, 3).join(';') +
          ';INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0);' +
          `INSERT INTO outbox (id, recipient, subject, text, html, template, status, attempts, next_attempt_at,
             claimed_by, claimed_until, created_at, last_error) VALUES
           ${row('pending', 'pending')}, ${row('crashed', 'sending', `'old-worker', 1`)},
           ${row('sent', 'sent')}, ${row('failed', 'failed')};`,
      );
      db.close();
    }
    const rawRows = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db
          .prepare<[], { id: string; text: string | null; html: string | null }>(
            'SELECT id, text, html FROM outbox ORDER BY rowid',
          )
          .all();
      } finally {
        db.close();
      }
    };

    it('drops settled bodies, seals unsettled ones once at start, and still delivers those intact', async function () {
      const file = path.join(dir, 'tobira.db');
      legacyDatabase(file);
      const store = await openSqliteStore({ path: file });
      const smtp = await startSmtp();
      try {
        expect(rawRows(file)).to.deep.include.members([
          { id: 'sent', text: null, html: null },
          { id: 'failed', text: null, html: null },
        ]);
        // An older node still running writes a settled mail with its body.
        const older = new Database(file);
        older.prepare(`UPDATE outbox SET text = 'late ${OTP}\n' WHERE id = 'sent'`).run();
        older.close();

        expect(await sealStoredMail({ store, box, log: silent })).to.deep.equal({ redacted: 1, sealed: 2 });
        expect(await sealStoredMail({ store, box, log: silent }), 'idempotent').to.deep.equal({
          redacted: 0,
          sealed: 0,
        });
        for (const row of rawRows(file)) {
          for (const part of [row.text, row.html])
            if (part !== null) expect(part, row.id).to.match(/^v1\.[A-Za-z0-9_-]+$/);
          expect(`${row.text}${row.html}`, row.id).to.not.include(OTP).and.not.include(ENROLL_URL);
        }
        expect(
          rawRows(file)
            .filter((r) => r.text !== null)
            .map((r) => r.id),
        ).to.have.members(['pending', 'crashed']);

        expect(await smtpWorker(store, smtp, box).runOnce()).to.deep.equal({
          sent: 2,
          retried: 0,
          failed: 0,
        });
        const received = await smtp.waitFor(2);
        expect(received.map((m) => m.text).sort()).to.deep.equal([
          `text crashed ${OTP}\n`,
          `text pending ${OTP}\n`,
        ]);
        expect(received.map((m) => m.html)).to.satisfy((h: string[]) =>
          h.every((x) => x.includes(ENROLL_URL)),
        );
        expect(rawRows(file).every((r) => r.text === null && r.html === null)).to.equal(true);
      } finally {
        await smtp.close();
        await store.close();
      }
      expect((await readFile(file)).includes(OTP), 'no clear body left in the file').to.equal(false);
    });
  });
});
