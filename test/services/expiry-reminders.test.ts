/**
 * The certificate expiry reminder job on a real SQLite store and mail outbox, with a ManualClock:
 * which certificates get which reminder, never twice (reruns, a restart, two nodes at once), and none
 * for certificates that no longer let anyone sign in.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { ManualClock } from '../../src/clock.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createLogger } from '../../src/log.js';
import { MailRenderer, Mailer, openMailBody } from '../../src/mail/index.js';
import { dueReminder } from '../../src/policy/expiry-reminders.js';
import { AuditLog } from '../../src/services/audit.js';
import { ExpiryReminderJob } from '../../src/services/expiry-reminders.js';
import type { Store } from '../../src/store.js';
import { certificateInput, fixtures, T0, type Fixtures } from '../store/contract/context.js';

const DAY = 86_400_000;
const NOW = new Date(T0.getTime() + 300 * DAY);
const inDays = (days: number, from = NOW) => new Date(from.getTime() + days * DAY);

describe('certificate expiry reminders', function () {
  let store: Store;
  let f: Fixtures;
  let clock: ManualClock;
  let box: SecretBox;
  let mailer: Mailer;
  let audit: AuditLog;

  beforeEach(async function () {
    store = await openSqliteStore({ path: ':memory:' });
    f = fixtures(store);
    clock = new ManualClock(NOW);
    box = new SecretBox(randomBytes(32));
    const renderer = await MailRenderer.load({ serviceName: 'Tobira', supportContact: 'noreply@example.jp' });
    mailer = new Mailer({ store, renderer, clock, box });
    audit = new AuditLog({ store, clock, log: createLogger('silent') });
  });
  afterEach(async () => store.close());

  const job = () =>
    new ExpiryReminderJob({
      store,
      mailer,
      audit,
      clock,
      log: createLogger('silent'),
      thresholdDays: [30, 7],
    });

  /** A live terminal of an active account with a certificate ending `days` from now; returns its address. */
  async function terminalExpiringIn(days: number) {
    const { account, terminal } = await f.owner();
    const cert = await f.issue(account.id, terminal.id, inDays(days));
    return { account, terminal, cert };
  }

  const mails = async () => (await store.listMail({ limit: 100 })).items;
  const recipients = async () => (await mails()).map((m) => m.to).sort();

  it('mails the smallest due threshold: 31 → none, 30 and 8 → the 30-day mail, 7 and 1 → the 7-day one', async function () {
    const at = Object.fromEntries(
      await Promise.all([31, 30, 8, 7, 1].map(async (d) => [d, await terminalExpiringIn(d)] as const)),
    );
    expect(await job().runOnce()).to.equal(4);
    expect(await recipients()).to.deep.equal(
      [at[30]!, at[8]!, at[7]!, at[1]!].map((x) => x.terminal.email).sort(),
    );
    const claimed = (await store.listAuditEvents({ action: 'certificate.expiry_reminded' })).items;
    expect(claimed.map((e) => e.details.days).sort()).to.deep.equal([30, 30, 7, 7]);

    // A day later: 31 enters the 30-day window, 8 enters the 7-day one; nothing else again.
    clock.advance(DAY);
    expect(await job().runOnce()).to.equal(2);
    const latest = (await mails()).slice(0, 2).map((m) => m.to);
    expect(latest).to.have.members([at[31]!.terminal.email, at[8]!.terminal.email]);
  });

  it('never mails one certificate and threshold twice: a rerun, a restart, two nodes at once', async function () {
    await terminalExpiringIn(20);
    await terminalExpiringIn(5);
    const first = job();
    expect(await first.runOnce()).to.equal(2);
    expect(await first.runOnce(), 'rerun').to.equal(0);
    expect(await job().runOnce(), 'restart').to.equal(0);
    await terminalExpiringIn(6);
    const counts = await Promise.all([job().runOnce(), job().runOnce(), job().runOnce()]);
    expect(
      counts.reduce((a, b) => a + b),
      'two nodes',
    ).to.equal(1);
    expect(await mails()).to.have.length(3);
  });

  it('starts fresh for a re-issued certificate (new serial)', async function () {
    const { account, terminal } = await terminalExpiringIn(5);
    expect(await job().runOnce()).to.equal(1);
    await store.saveIssuedCertificate(
      {
        certificate: { ...certificateInput(account.id, terminal.id, inDays(3)), notBefore: T0 },
        pendingDownload: null,
      },
      NOW,
    );
    expect(await job().runOnce()).to.equal(1);
    expect(await recipients()).to.deep.equal([terminal.email, terminal.email]);
  });

  it('mails nothing for revoked, superseded, expired certificates, deleted terminals, locked or deleted accounts', async function () {
    const revoked = await terminalExpiringIn(7);
    await store.revokeCertificate(revoked.cert.serial, 'keyCompromise', NOW);
    const superseded = await terminalExpiringIn(7);
    await f.issue(superseded.account.id, superseded.terminal.id, inDays(400), NOW);
    const deletedTerminal = await terminalExpiringIn(7);
    await store.updateTerminal(deletedTerminal.terminal.id, { deleted: true }, NOW);
    const locked = await terminalExpiringIn(7);
    await store.lockAccount(locked.account.id, 'password', NOW);
    const deleted = await terminalExpiringIn(7);
    await store.deleteAccount(deleted.account.id, NOW);
    await terminalExpiringIn(-1);
    expect(await job().runOnce()).to.equal(0);
    expect(await mails()).to.deep.equal([]);
  });

  it('writes the user ID, terminal number, expiry in Japan time and the support desk, in Japanese', async function () {
    const { account, terminal } = await terminalExpiringIn(7);
    await job().runOnce();
    const [mail] = await mails();
    expect(mail).to.include({ to: terminal.email, template: 'certificate_expiry' });
    expect(mail!.subject).to.equal('電子証明書の有効期限が近づいています');
    const { text } = openMailBody(box, mail!);
    expect(text).to.include(`${account.userId} 様`);
    expect(text).to.match(/●端末No\n1\n/);
    expect(text).to.include('2026年11月4日 9:00（日本時間）');
    expect(text).to.include('サポート窓口: desk@example.jp');
  });

  it('skips a window the certificate was issued inside (pure policy)', function () {
    const cert = { notBefore: inDays(-5), notAfter: inDays(20) };
    expect(dueReminder(cert, [30, 7], NOW), 'a 25-day certificate, issued inside 30').to.equal(null);
    expect(dueReminder(cert, [30, 7], inDays(13))).to.equal(7);
    expect(dueReminder(cert, [30, 7], inDays(20)), 'expired at notAfter').to.equal(null);
  });
});
