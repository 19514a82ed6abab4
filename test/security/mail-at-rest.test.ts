/**
 * Mail at rest, against a real Tobira on its SQLite file: an enrollment invitation waiting for a dead
 * SMTP server is in the database only sealed (its one-time password and enrollment token are not in
 * the file's bytes), the real SMTP server gets it intact once it is up, and the delivered row keeps
 * its metadata only — no body, sealed or not, left in the row or the file.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { mailList } from '../../src/cli/admin-commands.js';
import { ManualClock } from '../../src/clock.js';
import { newToken, sha256Hex } from '../../src/random.js';
import { createTenant } from '../helpers/fixtures.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { freePort, startTestTobira, type TestTobira } from '../helpers/tobira.js';

/** The database as a thief would copy it: the main file and the WAL, flushed from the OS's view. */
async function fileBytes(t: TestTobira): Promise<Buffer> {
  const file = path.join(t.dataDir, 'tobira.db');
  const parts = await Promise.all([file, `${file}-wal`].map((f) => readFile(f).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts);
}

interface OutboxRow {
  id: string;
  recipient: string;
  subject: string;
  text: string | null;
  html: string | null;
  template: string;
  status: string;
  attempts: number;
  created_at: number;
  sent_at: number | null;
}

function rawRows(t: TestTobira): OutboxRow[] {
  const db = new Database(path.join(t.dataDir, 'tobira.db'), { readonly: true });
  try {
    return db.prepare<[], OutboxRow>('SELECT * FROM outbox').all();
  } finally {
    db.close();
  }
}

describe('security: mail at rest', function () {
  this.timeout(20_000);
  let t: TestTobira;
  let smtp: TestSmtp | undefined;
  afterEach(async function () {
    await smtp?.close();
    await t.close();
  });

  it('keeps a pending invitation sealed on disk, delivers it intact, then keeps only its metadata', async function () {
    const clock = new ManualClock();
    const port = await freePort();
    t = await startTestTobira({ clock, config: { smtpUrl: `smtp://127.0.0.1:${port}` } });
    await createTenant(t.tobira, 'p-70');
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-70',
      userId: 'p-70-usr001',
      terminals: [{ email: 'invited@example.jp', type: 'pc' }],
      sendInvitation: true,
      actor: 'test',
    });
    const token = /\/enroll\/([A-Za-z0-9_-]+)$/.exec(created.enrollmentUrl)![1]!;
    await t.tobira.outbox.stop(); // the round the enqueue woke up found no SMTP server

    // Pending: the row and every byte of the file hold the secrets only sealed.
    const pendingBytes = await fileBytes(t);
    for (const secret of [created.oneTimePassword, token, created.enrollmentUrl])
      expect(pendingBytes.includes(secret), `"${secret}" in the database file`).to.equal(false);
    const [pending] = rawRows(t);
    expect(pending).to.include({ status: 'pending', attempts: 1, template: 'enrollment_invitation' });
    expect(pending!.text).to.match(/^v1\.[A-Za-z0-9_-]+$/);
    expect(pending!.html).to.match(/^v1\.[A-Za-z0-9_-]+$/);
    const sealed = [pending!.text!, pending!.html!];
    expect(pendingBytes.includes(sealed[0]!), 'the sealed body is what is stored').to.equal(true);

    // The SMTP server comes up: the mail arrives as rendered, secrets and all.
    smtp = await startSmtp({ port });
    clock.advance(3600_000);
    expect(await t.tobira.outbox.runOnce()).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
    const [mail] = await smtp.waitFor(1);
    expect((mail!.to as { text: string }).text).to.equal('invited@example.jp');
    expect(mail!.subject).to.equal('認証情報登録のご案内');
    expect(mail!.text).to.include('p-70-usr001').and.include(created.enrollmentUrl);
    expect(mail!.text).to.include(created.oneTimePassword);
    expect(mail!.html).to.include(`href="${created.enrollmentUrl}"`);

    // Delivered: metadata only, and the sealed body is gone from the file too.
    const [sent] = rawRows(t);
    expect(sent).to.deep.include({
      id: pending!.id,
      recipient: 'invited@example.jp',
      subject: '認証情報登録のご案内',
      template: 'enrollment_invitation',
      status: 'sent',
      attempts: 2,
      created_at: pending!.created_at,
      text: null,
      html: null,
    });
    expect(sent!.sent_at).to.equal(clock.now().getTime());

    // The admin API and `tobira mail list` still list it, from its metadata.
    const key = newToken(32);
    await t.tobira.store.createApiKey({ id: 'k-mail', keyHash: sha256Hex(key), label: 'ops' }, clock.now());
    const listed = await request(t.url)
      .get('/admin/v1/mail?status=sent')
      .ca(t.tobira.ca.certificatePem)
      .set('Authorization', `Bearer ${key}`);
    expect(listed.status).to.equal(200);
    expect(listed.body.total).to.equal(1);
    expect(listed.body.items[0]).to.include({
      id: pending!.id,
      to: 'invited@example.jp',
      template: 'enrollment_invitation',
      subject: '認証情報登録のご案内',
      status: 'sent',
      attempts: 2,
    });
    expect(JSON.stringify(listed.body)).to.not.include(created.oneTimePassword).and.not.include(token);
    const printed: string[] = [];
    await mailList(t.tobira, ['--status', 'sent'], (line) => printed.push(line));
    expect(printed[0]).to.equal('1 mail(s) sent');
    expect(printed[1])
      .to.include('sent')
      .and.include('enrollment_invitation')
      .and.include('invited@example.jp');

    const db = new Database(path.join(t.dataDir, 'tobira.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const sentBytes = await fileBytes(t);
    for (const body of sealed)
      expect(sentBytes.includes(body.slice(3, 60)), 'no copy of the sealed body left').to.equal(false);
  });
});
