/**
 * EnrollmentService and DownloadService on real parts (SQLite store, CA, argon2id, mail outbox), with a
 * ManualClock for expiry: input rules, what is stored (hashes only), atomic counters, single use.
 */
import { expect } from 'chai';
import { randomBytes, randomInt, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { CertificateAuthority, fromPkcs12 } from '../../certs/index.js';
import { ManualClock } from '../../src/clock.js';
import { PasswordHasher } from '../../src/crypto/password-hasher.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import type { TerminalType } from '../../src/domain.js';
import { createLogger } from '../../src/log.js';
import { MailRenderer, Mailer, openMailBody } from '../../src/mail/index.js';
import { normalizeSecretAnswer } from '../../src/policy/secret-answer.js';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';
import { sha256Hex } from '../../src/random.js';
import { AuditLog } from '../../src/services/audit.js';
import { CertificateService } from '../../src/services/certificates.js';
import { DownloadService } from '../../src/services/downloads.js';
import { EnrollmentError, EnrollmentService } from '../../src/services/enrollment.js';
import type { Store } from '../../src/store.js';
import { makeCsr } from '../helpers/csr.js';

const HOUR = 3_600_000;
const PUBLIC_URL = 'https://login.example.jp';
const GOOD = {
  password: 'Enroll-Pass-2026',
  confirmation: 'Enroll-Pass-2026',
  questionId: 'first_car',
  answer: '　ミニ　クーパー ',
};

describe('enrollment services', function () {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let hasher: PasswordHasher;
  let certificates: CertificateService;
  let enrollment: EnrollmentService;
  let downloads: DownloadService;
  let box: SecretBox;
  let seq = 0;
  /** A queued mail's text, opened as the outbox worker would (the store keeps it sealed). */
  const textOf = (mail: Parameters<typeof openMailBody>[1]) => openMailBody(box, mail).text;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-enroll-'));
    store = await openSqliteStore({ path: ':memory:' });
    clock = new ManualClock(new Date('2026-11-25T00:00:00Z'));
    const ca = await CertificateAuthority.loadOrCreate({
      dir,
      keyPassphrase: 'test-passphrase',
      serverHostnames: ['localhost'],
      now: () => clock.now(),
    });
    box = new SecretBox(randomBytes(32));
    hasher = new PasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 });
    const audit = new AuditLog({ store, clock, log: createLogger('silent') });
    certificates = new CertificateService({ store, ca, box, clock, audit });
    const renderer = await MailRenderer.load({ serviceName: 'Tobira', supportContact: 'desk@example.jp' });
    const mailer = new Mailer({ store, renderer, clock, box });
    enrollment = new EnrollmentService({
      store,
      hasher,
      certificates,
      mailer,
      clock,
      audit,
      randomInt: (max) => randomInt(max),
      publicUrl: PUBLIC_URL,
    });
    downloads = new DownloadService({ store, box, clock, audit, certificates });
    await store.createTenant(
      {
        id: 'p-01',
        name: 'Tenant p-01',
        supportContact: 'support@example.jp',
        policy: parseTenantPolicy({
          lockout: { maxEnrollmentOtpFailures: 3, maxDownloadPasswordFailures: 3 },
          features: { maxTerminals: 2 },
        }),
      },
      clock.now(),
    );
  });
  after(async function () {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const nextUserId = () => `p-01-usr${String((seq += 1)).padStart(3, '0')}`;
  const create = (emails = [`u${seq + 1}@example.jp`], extra: { sendInvitation?: boolean } = {}) =>
    enrollment.createAccount({
      tenantId: 'p-01',
      userId: nextUserId(),
      terminals: emails.map((email) => ({ email, type: 'pc' as const })),
      actor: 'test',
      ...extra,
    });
  const tokenOf = (url: string, kind: string) =>
    new RegExp(`^${PUBLIC_URL}/${kind}/([A-Za-z0-9_-]+)$`).exec(url)?.[1] ?? '';
  const openEnroll = async (enrollmentUrl: string) => {
    const opened = await enrollment.open(tokenOf(enrollmentUrl, 'enroll'));
    if (opened.kind !== 'ok') throw new Error(`enrollment link is ${opened.kind}`);
    return opened;
  };
  const registered = async (emails?: string[]) => {
    const created = await create(emails);
    const { ticket, account, tenant } = await openEnroll(created.enrollmentUrl);
    const result = await enrollment.register(ticket, account, tenant, GOOD, 'ja');
    if (result.kind !== 'ok') throw new Error(`register: ${result.kind}`);
    return { ...created, downloadPassword: result.downloadPassword };
  };
  const downloadTokenFor = async (email: string) => {
    const { items } = await store.listMail({ to: email });
    const mail = items.find((m) => m.template === 'certificate_download')!;
    return /\/download\/([A-Za-z0-9_-]+)/.exec(textOf(mail))![1]!;
  };

  describe('createAccount', function () {
    it('creates a pending account, numbered terminals and an enroll ticket kept only as hashes', async function () {
      const created = await create(['one@example.jp', 'two@example.jp']);
      expect(created.account).to.include({ status: 'pending', tenantId: 'p-01', passwordHash: null });
      const token = tokenOf(created.enrollmentUrl, 'enroll');
      expect(token, created.enrollmentUrl).to.have.length.greaterThan(30);
      expect(created.oneTimePassword).to.match(/^\S{6,}$/);

      const ticket = (await store.getTicketByTokenHash(sha256Hex(token)))!;
      expect(ticket).to.include({ purpose: 'enroll', accountId: created.account.id, usedAt: null });
      expect(ticket.tokenHash).to.equal(sha256Hex(token));
      expect(ticket.secretHash).to.match(/^\$argon2id\$/);
      expect(ticket.secretHash).to.not.include(created.oneTimePassword);
      expect(await hasher.verify(ticket.secretHash!, created.oneTimePassword)).to.equal(true);
      expect(ticket.expiresAt.getTime()).to.equal(clock.now().getTime() + 72 * HOUR);
      expect(created.expiresAt.getTime()).to.equal(ticket.expiresAt.getTime());

      const terminals = await store.listTerminals(created.account.id);
      expect(terminals.map((t) => [t.number, t.email, t.type])).to.deep.equal([
        [1, 'one@example.jp', 'pc'],
        [2, 'two@example.jp', 'pc'],
      ]);
      const { items: audit } = await store.listAuditEvents({ accountId: created.account.id });
      expect(audit.map((e) => e.action)).to.include('account.created');
      expect(
        (await store.listMail({ to: 'one@example.jp' })).items,
        'no invitation unless asked',
      ).to.have.length(0);
    });

    it('mails the invitation with the link and one-time password when asked', async function () {
      const created = await create(['invited@example.jp'], { sendInvitation: true });
      const { items } = await store.listMail({ to: 'invited@example.jp' });
      expect(items.map((m) => m.template)).to.deep.equal(['enrollment_invitation']);
      expect(textOf(items[0]!)).to.include(created.enrollmentUrl).and.include(created.oneTimePassword);
    });

    it('rejects bad input with stable codes and creates nothing', async function () {
      const taken = await create();
      const cases: [
        string,
        Parameters<EnrollmentService['createAccount']>[0]['terminals'],
        string,
        string?,
      ][] = [
        ['p-01-usr900', [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.tenant_unknown', 'p-99'],
        ['usr900', [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.invalid_user_id'],
        ['p-02-usr900', [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.invalid_user_id'],
        ['p-01-USR900', [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.invalid_user_id'],
        ['p-01-', [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.invalid_user_id'],
        [`p-01-${'a'.repeat(60)}`, [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.invalid_user_id'],
        [taken.account.userId, [{ email: 'a@example.jp', type: 'pc' }], 'enrollment.user_id_taken'],
        ['p-01-usr901', [{ email: 'not-an-address', type: 'pc' }], 'enrollment.invalid_email'],
        ['p-01-usr902', [{ email: 'a b@example.jp', type: 'pc' }], 'enrollment.invalid_email'],
        ['p-01-usr906', [{ email: 'はなこ@example.jp', type: 'pc' }], 'enrollment.invalid_email'],
        ['p-01-usr907', [{ email: 'a@例え.jp', type: 'pc' }], 'enrollment.invalid_email'],
        ['p-01-usr903', [], 'enrollment.terminal_count'],
        [
          'p-01-usr904',
          ['a', 'b', 'c'].map((x) => ({ email: `${x}@example.jp`, type: 'pc' as const })),
          'enrollment.terminal_count',
        ],
        [
          'p-01-usr905',
          [{ email: 'a@example.jp', type: 'tablet' as TerminalType }],
          'enrollment.invalid_terminal_type',
        ],
      ];
      for (const [userId, terminals, code, tenantId] of cases) {
        const error = await enrollment
          .createAccount({ tenantId: tenantId ?? 'p-01', userId, terminals, actor: 'test' })
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(error, `${userId} → ${code}`).to.be.instanceOf(EnrollmentError);
        expect((error as EnrollmentError).code, userId).to.equal(code);
        if (code !== 'enrollment.user_id_taken')
          expect(await store.getAccountByUserId(userId), userId).to.equal(null);
      }
      expect(await store.listTerminals(taken.account.id), 'the taken account is untouched').to.have.length(1);
    });
  });

  describe('初回認証 (one-time password)', function () {
    it('counts concurrent wrong guesses atomically and locks at the threshold', async function () {
      const created = await create();
      const { ticket, account, tenant } = await openEnroll(created.enrollmentUrl);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          enrollment.verifyOneTimePassword(ticket, account, tenant, `wrong-${i}`),
        ),
      );
      const kinds = results.map((r) => r.kind);
      expect(
        kinds.filter((k) => k === 'mismatch'),
        'two tries before the third locks',
      ).to.have.length(2);
      expect(kinds.filter((k) => k === 'locked')).to.have.length(4);
      expect(await store.getAccount(account.id)).to.include({
        status: 'locked',
        lockReason: 'enrollment_otp',
      });
      const { items: audit } = await store.listAuditEvents({ accountId: account.id });
      expect(audit.filter((e) => e.action === 'enrollment.otp_failed')).to.have.length(3);
      expect(audit.some((e) => e.action === 'account.locked')).to.equal(true);

      const locked = (await store.getAccount(account.id))!;
      const right = await enrollment.verifyOneTimePassword(ticket, locked, tenant, created.oneTimePassword);
      expect(right.kind, 'the right password no longer helps').to.equal('locked');
    });

    it('tells the remaining tries, and a right password resets the count', async function () {
      const created = await create();
      const { ticket, account, tenant } = await openEnroll(created.enrollmentUrl);
      expect(await enrollment.verifyOneTimePassword(ticket, account, tenant, 'nope')).to.deep.equal({
        kind: 'mismatch',
        remaining: 2,
      });
      expect(
        await enrollment.verifyOneTimePassword(ticket, account, tenant, ` ${created.oneTimePassword} `),
      ).to.deep.equal({ kind: 'ok' });
      expect(await enrollment.verifyOneTimePassword(ticket, account, tenant, 'nope')).to.deep.equal({
        kind: 'mismatch',
        remaining: 2,
      });
      const { items: audit } = await store.listAuditEvents({ accountId: account.id });
      expect(audit.map((e) => e.action)).to.include('enrollment.otp_verified');
    });

    it('never locks an account whose enrollment another tab has finished', async function () {
      const created = await create();
      const { ticket, account, tenant } = await openEnroll(created.enrollmentUrl);
      expect((await enrollment.register(ticket, account, tenant, GOOD, 'ja')).kind).to.equal('ok');
      const stale = await enrollment.verifyOneTimePassword(ticket, account, tenant, 'late-guess');
      expect(stale.kind).to.equal('used');
      expect((await store.getAccount(account.id))!.status).to.equal('active');
    });

    it('reports an expired link once the policy’s lifetime has passed', async function () {
      const created = await create();
      const token = tokenOf(created.enrollmentUrl, 'enroll');
      const start = clock.now().getTime();
      try {
        clock.set(created.expiresAt.getTime() - 1);
        expect((await enrollment.open(token)).kind).to.equal('ok');
        clock.set(created.expiresAt);
        const expired = await enrollment.open(token);
        expect(expired.kind).to.equal('expired');
        expect(expired.tenant?.supportContact).to.equal('support@example.jp');
      } finally {
        clock.set(start);
      }
      expect((await enrollment.open('x'.repeat(43))).kind).to.equal('unknown');
      expect((await enrollment.open('../../etc')).kind).to.equal('unknown');
    });
  });

  describe('認証情報登録 (register)', function () {
    it('reports every broken rule and changes nothing', async function () {
      const created = await create();
      const { ticket, account, tenant } = await openEnroll(created.enrollmentUrl);
      const result = await enrollment.register(
        ticket,
        account,
        tenant,
        { password: 'ｐａｓｓｗｏｒｄ１２３', confirmation: 'other', questionId: 'no_such', answer: '  ' },
        'ja',
      );
      expect(result.kind).to.equal('invalid');
      const codes = result.kind === 'invalid' ? result.violations.map((v) => v.code) : [];
      expect(codes).to.include.members([
        'password.full_width',
        'password.mismatch',
        'secret_question.required',
        'secret_answer.empty',
      ]);
      expect((await store.getAccount(account.id))!.status).to.equal('pending');
      expect((await enrollment.open(tokenOf(created.enrollmentUrl, 'enroll'))).kind).to.equal('ok');
      expect(await store.listCertificates({ accountId: account.id })).to.have.length(0);
    });

    it('activates, hashes the normalised answer, certifies every terminal with one download password and mails each', async function () {
      const created = await registered(['pc@example.jp', 'phone@example.jp']);
      const account = (await store.getAccount(created.account.id))!;
      expect(account).to.include({
        status: 'active',
        secretQuestionId: 'first_car',
        mustChangePassword: false,
      });
      expect(account.passwordHash).to.match(/^\$argon2id\$/);
      expect(await hasher.verify(account.passwordHash!, GOOD.password)).to.equal(true);
      expect(account.secretAnswerHash).to.match(/^\$argon2id\$/);
      expect(await hasher.verify(account.secretAnswerHash!, normalizeSecretAnswer(GOOD.answer))).to.equal(
        true,
      );
      expect(created.downloadPassword).to.have.length(12);

      const terminals = await store.listTerminals(account.id);
      expect(await store.listCertificates({ accountId: account.id, status: 'active' })).to.have.length(2);
      for (const terminal of terminals) {
        expect(terminal.currentCertificateSerial).to.be.a('string');
        expect(certificates.pendingDownloadPassword(terminal), 'one password for all').to.equal(
          created.downloadPassword,
        );
        const { items } = await store.listMail({ to: terminal.email });
        expect(items).to.have.length(1);
        const mail = items[0]!;
        expect(mail.subject).to.equal('電子証明書ダウンロードのご案内');
        const text = textOf(mail);
        expect(text).to.include(account.userId).and.include(`${account.userId} #${terminal.number}`);
        expect(text).to.include(`${PUBLIC_URL}/guide`);
        expect(text, 'the password is never mailed').to.not.include(created.downloadPassword);
        const ticket = (await store.getTicketByTokenHash(sha256Hex(await downloadTokenFor(terminal.email))))!;
        expect(ticket).to.include({ purpose: 'cert_download', terminalId: terminal.id, usedAt: null });
      }
      expect((await enrollment.open(tokenOf(created.enrollmentUrl, 'enroll'))).kind).to.equal('used');
      const { items: audit } = await store.listAuditEvents({ accountId: account.id });
      expect(audit.map((e) => e.action)).to.include.members(['account.enrolled', 'certificate.issued']);
    });

    it('lets exactly one of concurrent registrations with the same ticket win', async function () {
      const created = await create();
      const { ticket, account, tenant } = await openEnroll(created.enrollmentUrl);
      const results = await Promise.all(
        [0, 1, 2].map(() => enrollment.register(ticket, account, tenant, GOOD, 'ja')),
      );
      expect(results.map((r) => r.kind).sort()).to.deep.equal(['ok', 'used', 'used']);
      expect(await store.listCertificates({ accountId: account.id })).to.have.length(1);
      expect((await store.listMail({ to: `u${seq}@example.jp` })).items).to.have.length(1);
    });
  });

  describe('certificate download', function () {
    it('limits wrong passwords, serves the PKCS#12 once, then destroys the key material', async function () {
      const created = await registered();
      const email = `u${seq}@example.jp`;
      const token = await downloadTokenFor(email);
      expect(await downloads.download(token, 'WRONG-one')).to.deep.equal({
        kind: 'wrong_password',
        remaining: 2,
      });
      const result = await downloads.download(token, created.downloadPassword);
      if (result.kind !== 'ok') throw new Error(result.kind);
      expect(result.filename).to.equal(`${created.account.userId}-1.p12`);
      const { certificatesPem, privateKeyPem } = fromPkcs12(result.p12, created.downloadPassword);
      expect(privateKeyPem).to.include('PRIVATE KEY');
      expect(certificatesPem.length).to.be.greaterThan(0);

      const [terminal] = await store.listTerminals(created.account.id);
      expect(terminal!.pendingDownload).to.equal(null);
      expect((await downloads.download(token, created.downloadPassword)).kind).to.equal('used');
    });

    it('closes the link at the policy’s number of wrong passwords', async function () {
      const created = await registered();
      const token = await downloadTokenFor(`u${seq}@example.jp`);
      const kinds = [];
      for (const guess of ['bad-1', 'bad-2', 'bad-3', created.downloadPassword])
        kinds.push((await downloads.download(token, guess)).kind);
      expect(kinds).to.deep.equal([
        'wrong_password',
        'wrong_password',
        'too_many_attempts',
        'too_many_attempts',
      ]);
      expect((await downloads.open(token)).kind).to.equal('too_many_attempts');
    });

    it('gives the file to exactly one of concurrent downloads', async function () {
      const created = await registered();
      const token = await downloadTokenFor(`u${seq}@example.jp`);
      const results = await Promise.all(
        [0, 1, 2, 3].map(() => downloads.download(token, created.downloadPassword)),
      );
      expect(results.filter((r) => r.kind === 'ok')).to.have.length(1);
    });

    it('certifies the user’s own CSR instead: same password and tries, key never on the server', async function () {
      const created = await registered();
      const token = await downloadTokenFor(`u${seq}@example.jp`);
      const [before] = await store.listTerminals(created.account.id);
      const device = makeCsr();
      expect(await downloads.issueFromCsr(token, 'WRONG-one', device.csrPem)).to.deep.equal({
        kind: 'wrong_password',
        remaining: 2,
      });
      // Bad requests cost no try: after these, one wrong password still leaves one.
      for (const bad of ['not a CSR', makeCsr(1024).csrPem])
        expect(await downloads.issueFromCsr(token, created.downloadPassword, bad)).to.deep.equal({
          kind: 'csr_invalid',
        });
      expect((await downloads.download(token, 'WRONG-two')).kind).to.equal('wrong_password');

      const result = await downloads.issueFromCsr(token, created.downloadPassword, device.csrPem);
      if (result.kind !== 'ok') throw new Error(result.kind);
      expect(result.filename).to.equal(`${created.account.userId}-1.pem`);
      const [leafPem, caPem] = result.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
      const leaf = new X509Certificate(leafPem!);
      expect(leaf.checkPrivateKey(device.privateKey)).to.equal(true);
      expect(leaf.subject).to.include(`CN=${created.account.userId} #1`).and.not.include('chosen-by');
      expect(leaf.subjectAltName).to.equal(`email:u${seq}@example.jp`);
      expect(leaf.verify(new X509Certificate(caPem!).publicKey)).to.equal(true);

      const [after] = await store.listTerminals(created.account.id);
      expect(after!.pendingDownload, 'the server-made key is gone').to.equal(null);
      expect(after!.currentCertificateSerial).to.equal(leaf.serialNumber.toLowerCase());
      expect((await store.getCertificate(before!.currentCertificateSerial!))!.status).to.equal('superseded');
      expect((await downloads.download(token, created.downloadPassword)).kind).to.equal('used');
    });

    it('never serves an expired pending download', async function () {
      const created = await registered();
      const token = await downloadTokenFor(`u${seq}@example.jp`);
      const [terminal] = await store.listTerminals(created.account.id);
      // The sealed file expires first (e.g. a shorter retention), while the link itself is still valid.
      await store.updateTerminal(
        terminal!.id,
        { pendingDownload: { ...terminal!.pendingDownload!, expiresAt: clock.now() } },
        clock.now(),
      );
      expect((await downloads.download(token, created.downloadPassword)).kind).to.equal('expired');

      const other = await registered();
      const otherToken = await downloadTokenFor(`u${seq}@example.jp`);
      const start = clock.now().getTime();
      try {
        clock.advance(72 * HOUR);
        expect((await downloads.download(otherToken, other.downloadPassword)).kind).to.equal('expired');
      } finally {
        clock.set(start);
      }
    });
  });
});
