/**
 * The Store contract: every adapter runs exactly these tests (SQLite always, MongoDB when a server is
 * given). Explicit `now` Dates drive expiry; nothing sleeps.
 */
import { expect } from 'chai';
import type { Store } from '../../src/store.js';
import { StoreConflictError } from '../../src/store.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import { newCertificateSerial, newId, sha256Hex } from '../../src/random.js';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** Builders for related records, so each test states only what it is about. */
function fixtures(store: Store) {
  let n = 0;
  const next = () => (n += 1);
  return {
    async tenant(id = `t${next()}`) {
      return store.createTenant(
        { id, name: `Tenant ${id}`, supportContact: 'desk@example.jp', policy: defaultTenantPolicy() },
        T0,
      );
    },
    async account(tenantId: string, userId = `${tenantId}-u${next()}`) {
      return store.createAccount(
        { id: newId(), tenantId, userId, status: 'active', loginMethod: 'password' },
        T0,
      );
    },
    async terminal(accountId: string, email = `user${next()}@example.jp`) {
      return store.createTerminal({ id: newId(), accountId, email, type: 'pc' }, T0);
    },
    certificate(accountId: string, terminalId: string, notAfter = at(86400 * 30)) {
      const serial = newCertificateSerial();
      return {
        serial,
        accountId,
        terminalId,
        subjectCn: `cn-${serial.slice(0, 6)}`,
        fingerprintS256: sha256Hex(serial),
        notBefore: T0,
        notAfter,
        pem: `PEM ${serial}`,
      };
    },
    ticket(accountId: string, expiresAt = at(3600), purpose: 'enroll' | 'cert_download' = 'enroll') {
      return {
        id: newId(),
        purpose,
        tokenHash: sha256Hex(newId()),
        accountId,
        terminalId: null,
        secretHash: null,
        expiresAt,
      };
    },
    mail(to = `to${next()}@example.jp`) {
      return {
        id: newId(),
        to,
        subject: 'subject',
        text: 'text',
        html: '<p>html</p>',
        template: 'certificate_download',
      };
    },
  };
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, function () {
    let store: Store;
    let cleanup: () => Promise<void>;
    let f: ReturnType<typeof fixtures>;

    beforeEach(async function () {
      ({ store, cleanup } = await factory());
      f = fixtures(store);
    });
    afterEach(async function () {
      await cleanup();
    });

    describe('tenants and clients', function () {
      it('creates, reads, lists and updates tenants; duplicate ids conflict', async function () {
        const t = await f.tenant('p-01');
        expect(t).to.include({ id: 'p-01', name: 'Tenant p-01' });
        expect(t.policy.lockout.maxPasswordFailures).to.equal(5);
        expect(await store.getTenant('p-01')).to.deep.equal(t);
        expect(await store.getTenant('nope')).to.equal(null);
        await f.tenant('p-02');
        expect((await store.listTenants()).map((x) => x.id)).to.deep.equal(['p-01', 'p-02']);
        const policy = { ...t.policy, lockout: { ...t.policy.lockout, maxPasswordFailures: 3 } };
        const updated = await store.updateTenant('p-01', { name: 'Renamed', policy }, at(10));
        expect(updated).to.include({ name: 'Renamed', supportContact: 'desk@example.jp' });
        expect(updated!.policy.lockout.maxPasswordFailures).to.equal(3);
        expect(updated!.updatedAt).to.deep.equal(at(10));
        expect(await store.updateTenant('nope', { name: 'x' }, at(10))).to.equal(null);
        try {
          await f.tenant('p-01');
          expect.fail('duplicate tenant accepted');
        } catch (error) {
          expect(error).to.be.instanceOf(StoreConflictError);
          expect((error as StoreConflictError).field).to.equal('id');
        }
      });

      it('stores clients with their tenant; duplicates conflict on clientId', async function () {
        await f.tenant('p-01');
        const c = await store.createClient(
          {
            clientId: 'rp1',
            tenantId: 'p-01',
            metadata: { redirect_uris: ['https://rp/cb'] },
            firstParty: true,
          },
          T0,
        );
        expect(c).to.include({ clientId: 'rp1', tenantId: 'p-01', firstParty: true });
        expect((await store.getClient('rp1'))!.metadata).to.deep.equal({ redirect_uris: ['https://rp/cb'] });
        await store.createClient({ clientId: 'rp2', tenantId: 'p-01', metadata: {}, firstParty: false }, T0);
        expect((await store.listClients('p-01')).map((x) => x.clientId)).to.deep.equal(['rp1', 'rp2']);
        expect(await store.listClients('other')).to.deep.equal([]);
        expect((await store.updateClient('rp1', { a: 1 }, at(5)))!.metadata).to.deep.equal({ a: 1 });
        expect(await store.deleteClient('rp2')).to.equal(true);
        expect(await store.deleteClient('rp2')).to.equal(false);
        const dup = await store
          .createClient({ clientId: 'rp1', tenantId: 'p-01', metadata: {}, firstParty: true }, T0)
          .catch((e: unknown) => e);
        expect(dup).to.be.instanceOf(StoreConflictError).with.property('field', 'clientId');
      });
    });

    describe('accounts', function () {
      it('creates and finds accounts; user IDs are unique platform-wide', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01', 'p-01-usr012');
        expect(a).to.include({
          userId: 'p-01-usr012',
          status: 'active',
          failedPasswordCount: 0,
          mustChangePassword: false,
          passwordHash: null,
        });
        expect(a.passwordHistory).to.deep.equal([]);
        expect(await store.getAccount(a.id)).to.deep.equal(a);
        expect(await store.getAccountByUserId('p-01-usr012')).to.deep.equal(a);
        expect(await store.getAccountByUserId('P-01-USR012')).to.equal(null);
        const dup = await f.account('p-01', 'p-01-usr012').catch((e: unknown) => e);
        expect(dup).to.be.instanceOf(StoreConflictError).with.property('field', 'userId');
      });

      it('updates fields, returns copies, searches by tenant, prefix and status with paging', async function () {
        await f.tenant('p-01');
        await f.tenant('p-02');
        const a = await f.account('p-01', 'p-01-a');
        await f.account('p-01', 'p-01-b');
        await f.account('p-02', 'p-02-a');
        const updated = await store.updateAccount(
          a.id,
          { passwordHash: 'h1', passwordHistory: ['h0'], mustChangePassword: true, passwordChangedAt: at(1) },
          at(2),
        );
        expect(updated).to.include({ passwordHash: 'h1', mustChangePassword: true });
        expect(updated!.passwordHistory).to.deep.equal(['h0']);
        updated!.passwordHistory.push('mutated');
        expect((await store.getAccount(a.id))!.passwordHistory).to.deep.equal(['h0']);
        expect(await store.updateAccount('missing', { passwordHash: 'x' }, at(2))).to.equal(null);
        const page = await store.findAccounts({ tenantId: 'p-01', limit: 1 });
        expect(page.total).to.equal(2);
        expect(page.items.map((x) => x.userId)).to.deep.equal(['p-01-a']);
        expect(
          (await store.findAccounts({ userIdPrefix: 'p-0', offset: 1, limit: 10 })).items.map(
            (x) => x.userId,
          ),
        ).to.deep.equal(['p-01-b', 'p-02-a']);
        expect((await store.findAccounts({ userIdPrefix: 'p-02' })).total).to.equal(1);
      });

      it('reserves attempts atomically: 50 concurrent reservations with max 5 give exactly 5', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.reserveAttempt(a.id, 'password', 5, T0)),
        );
        expect(results.filter((r) => r.ok)).to.have.length(5);
        expect(
          results
            .filter((r) => r.ok)
            .map((r) => (r as { count: number }).count)
            .sort(),
        ).to.deep.equal([1, 2, 3, 4, 5]);
        expect((await store.getAccount(a.id))!.failedPasswordCount).to.equal(5);
        await store.resetCounter(a.id, 'password', T0);
        expect((await store.getAccount(a.id))!.failedPasswordCount).to.equal(0);
        expect(await store.reserveAttempt('missing', 'password', 5, T0)).to.deep.equal({ ok: false });
      });

      it('keeps the three counters apart and refuses attempts on locked or pending accounts', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        await store.reserveAttempt(a.id, 'secret_answer', 3, T0);
        const after = (await store.getAccount(a.id))!;
        expect([
          after.failedPasswordCount,
          after.failedSecretAnswerCount,
          after.failedEnrollmentOtpCount,
        ]).to.deep.equal([0, 1, 0]);
        const pending = await store.createAccount(
          {
            id: newId(),
            tenantId: 'p-01',
            userId: 'p-01-pending',
            status: 'pending',
            loginMethod: 'password',
          },
          T0,
        );
        expect(await store.reserveAttempt(pending.id, 'enrollment_otp', 3, T0)).to.deep.equal({ ok: false });
        expect(
          await store.reserveAttempt(pending.id, 'enrollment_otp', 3, T0, { allowPending: true }),
        ).to.deep.equal({ ok: true, count: 1 });
        const locked = await store.lockAccount(a.id, 'password', at(5));
        expect(locked).to.include({ status: 'locked', lockReason: 'password' });
        expect(locked!.lockedAt).to.deep.equal(at(5));
        expect(await store.reserveAttempt(a.id, 'password', 5, T0)).to.deep.equal({ ok: false });
        expect(await store.lockAccount('missing', 'admin', T0)).to.equal(null);
      });

      it('unlocks to active (or pending when no password was set) with counters cleared', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        await store.updateAccount(a.id, { passwordHash: 'h' }, T0);
        await store.reserveAttempt(a.id, 'password', 5, T0);
        await store.lockAccount(a.id, 'password', T0);
        expect(await store.unlockAccount(a.id, at(1))).to.include({
          status: 'active',
          lockReason: null,
          lockedAt: null,
          failedPasswordCount: 0,
        });
        const b = await f.account('p-01');
        await store.lockAccount(b.id, 'enrollment_otp', T0);
        expect((await store.unlockAccount(b.id, at(1)))!.status).to.equal('pending');
      });

      it('accepts a TOTP step only once and never an earlier one', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        expect(await store.advanceTotpStep(a.id, 100, T0)).to.equal(true);
        expect(await store.advanceTotpStep(a.id, 100, T0)).to.equal(false);
        expect(await store.advanceTotpStep(a.id, 99, T0)).to.equal(false);
        const concurrent = await Promise.all(
          Array.from({ length: 10 }, () => store.advanceTotpStep(a.id, 101, T0)),
        );
        expect(concurrent.filter(Boolean)).to.have.length(1);
        expect((await store.getAccount(a.id))!.totpLastStep).to.equal(101);
      });

      it('deletes an account with its terminals and tickets, revoking its certificates', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const t = await f.terminal(a.id);
        const cert = await store.saveIssuedCertificate(
          { certificate: f.certificate(a.id, t.id), pendingDownload: null },
          T0,
        );
        const ticket = await store.createTicket(f.ticket(a.id), T0);
        expect(await store.deleteAccount(a.id, at(9))).to.equal(true);
        expect(await store.getAccount(a.id)).to.equal(null);
        expect(await store.getTerminal(t.id)).to.equal(null);
        expect(await store.getTicketByTokenHash(ticket.tokenHash)).to.equal(null);
        expect((await store.getCertificate(cert.serial))!.status).to.equal('revoked');
        expect(await store.deleteAccount(a.id, at(9))).to.equal(false);
      });
    });

    describe('terminals and certificates', function () {
      it('numbers terminals 1, 2, … per account, never reusing a number', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const b = await f.account('p-01');
        const t1 = await f.terminal(a.id);
        const t2 = await f.terminal(a.id);
        const other = await f.terminal(b.id);
        expect([t1.number, t2.number, other.number]).to.deep.equal([1, 2, 1]);
        await store.updateTerminal(t2.id, { deleted: true }, T0);
        const t3 = await f.terminal(a.id);
        expect(t3.number).to.equal(3);
        expect((await store.listTerminals(a.id)).map((t) => t.number)).to.deep.equal([1, 3]);
        expect(
          (await store.listTerminals(a.id, { includeDeleted: true })).map((t) => t.number),
        ).to.deep.equal([1, 2, 3]);
        const concurrent = await Promise.all(Array.from({ length: 5 }, () => f.terminal(b.id)));
        expect(concurrent.map((t) => t.number).sort()).to.deep.equal([2, 3, 4, 5, 6]);
      });

      it('updates terminal e-mail, type and pending download', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const t = await f.terminal(a.id);
        const pendingDownload = { p12Enc: 'sealed', passwordEnc: 'pw', expiresAt: at(60) };
        const u = await store.updateTerminal(
          t.id,
          { email: 'new@example.jp', type: 'smartphone', pendingDownload },
          at(1),
        );
        expect(u).to.include({ email: 'new@example.jp', type: 'smartphone' });
        expect(u!.pendingDownload).to.deep.equal(pendingDownload);
        expect(
          (await store.updateTerminal(t.id, { pendingDownload: null }, at(2)))!.pendingDownload,
        ).to.equal(null);
        expect(await store.updateTerminal('missing', { email: 'x@example.jp' }, at(2))).to.equal(null);
      });

      it('clears pending downloads once they expire, and only those', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const soon = await f.terminal(a.id);
        const later = await f.terminal(a.id);
        await store.updateTerminal(
          soon.id,
          { pendingDownload: { p12Enc: 's', passwordEnc: 'p', expiresAt: at(60) } },
          T0,
        );
        await store.updateTerminal(
          later.id,
          { pendingDownload: { p12Enc: 's', passwordEnc: 'p', expiresAt: at(600) } },
          T0,
        );
        expect(await store.clearExpiredDownloads(at(59))).to.equal(0);
        expect(await store.clearExpiredDownloads(at(60))).to.equal(1);
        expect((await store.getTerminal(soon.id))!.pendingDownload).to.equal(null);
        expect((await store.getTerminal(later.id))!.pendingDownload).to.not.equal(null);
      });

      it('issues a certificate for a terminal, superseding the previous one in one unit', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const t = await f.terminal(a.id);
        const first = await store.saveIssuedCertificate(
          {
            certificate: f.certificate(a.id, t.id),
            pendingDownload: { p12Enc: 'p1', passwordEnc: 'w1', expiresAt: at(60) },
          },
          T0,
        );
        expect(first).to.include({ status: 'active', revokedAt: null });
        expect((await store.getTerminal(t.id))!.currentCertificateSerial).to.equal(first.serial);
        const second = await store.saveIssuedCertificate(
          { certificate: f.certificate(a.id, t.id), pendingDownload: null },
          at(10),
        );
        expect(await store.getCertificate(first.serial)).to.include({ status: 'superseded' });
        expect((await store.getCertificate(first.serial))!.revokedAt).to.deep.equal(at(10));
        const terminal = (await store.getTerminal(t.id))!;
        expect(terminal.currentCertificateSerial).to.equal(second.serial);
        expect(terminal.pendingDownload).to.equal(null);
        expect(await store.getCertificateByFingerprint(second.fingerprintS256)).to.deep.equal(second);
        expect((await store.listCertificates({ terminalId: t.id })).map((c) => c.serial)).to.deep.equal([
          first.serial,
          second.serial,
        ]);
        expect(
          (await store.listCertificates({ accountId: a.id, status: 'active' })).map((c) => c.serial),
        ).to.deep.equal([second.serial]);
      });

      it('rejects duplicate serials and fingerprints', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const t = await f.terminal(a.id);
        const cert = f.certificate(a.id, t.id);
        await store.saveIssuedCertificate({ certificate: cert, pendingDownload: null }, T0);
        const sameSerial = await store
          .saveIssuedCertificate(
            { certificate: { ...cert, fingerprintS256: sha256Hex('other') }, pendingDownload: null },
            T0,
          )
          .catch((e: unknown) => e);
        expect(sameSerial).to.be.instanceOf(StoreConflictError).with.property('field', 'serial');
        const t2 = await f.terminal(a.id);
        const sameFingerprint = await store
          .saveIssuedCertificate(
            {
              certificate: { ...f.certificate(a.id, t2.id), fingerprintS256: cert.fingerprintS256 },
              pendingDownload: null,
            },
            T0,
          )
          .catch((e: unknown) => e);
        expect(sameFingerprint)
          .to.be.instanceOf(StoreConflictError)
          .with.property('field', 'fingerprintS256');
        expect(
          (await store.getTerminal(t2.id))!.currentCertificateSerial,
          'a failed issue changes nothing',
        ).to.equal(null);
      });

      it('revokes active certificates and lists unexpired revoked ones for the CRL', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const t1 = await f.terminal(a.id);
        const t2 = await f.terminal(a.id);
        const live = await store.saveIssuedCertificate(
          { certificate: f.certificate(a.id, t1.id, at(86400)), pendingDownload: null },
          T0,
        );
        const shortLived = await store.saveIssuedCertificate(
          { certificate: f.certificate(a.id, t2.id, at(100)), pendingDownload: null },
          T0,
        );
        const revoked = await store.revokeCertificate(live.serial, 'keyCompromise', at(5));
        expect(revoked).to.include({ status: 'revoked', revocationReason: 'keyCompromise' });
        expect(
          (await store.revokeCertificate(live.serial, 'again', at(6)))!.revocationReason,
          'a second revoke changes nothing',
        ).to.equal('keyCompromise');
        expect(await store.revokeCertificate('00ff', 'x', at(6))).to.equal(null);
        await store.revokeCertificate(shortLived.serial, 'superseded', at(5));
        expect((await store.listRevokedCertificates(at(50))).map((c) => c.serial).sort()).to.deep.equal(
          [live.serial, shortLived.serial].sort(),
        );
        expect((await store.listRevokedCertificates(at(200))).map((c) => c.serial)).to.deep.equal([
          live.serial,
        ]);
      });
    });

    describe('one-time tickets', function () {
      it('is found by token hash and consumed exactly once among 20 concurrent callers', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const ticket = await store.createTicket(f.ticket(a.id), T0);
        expect(await store.getTicketByTokenHash(ticket.tokenHash)).to.deep.equal(ticket);
        expect(await store.getTicketByTokenHash('nope')).to.equal(null);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.consumeTicket(ticket.id, at(1))),
        );
        expect(results.filter(Boolean)).to.have.length(1);
        expect((await store.getTicketByTokenHash(ticket.tokenHash))!.usedAt).to.deep.equal(at(1));
        const dup = await store
          .createTicket({ ...f.ticket(a.id), tokenHash: ticket.tokenHash }, T0)
          .catch((e: unknown) => e);
        expect(dup).to.be.instanceOf(StoreConflictError).with.property('field', 'tokenHash');
      });

      it('refuses expired tickets, limits attempts, invalidates and purges', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        const ticket = await store.createTicket(f.ticket(a.id, at(60)), T0);
        expect(await store.consumeTicket(ticket.id, at(60))).to.equal(false);
        const other = await store.createTicket(f.ticket(a.id, at(60)), T0);
        const tries = await Promise.all(
          Array.from({ length: 10 }, () => store.reserveTicketAttempt(other.id, 3)),
        );
        expect(tries.filter((r) => r.ok)).to.have.length(3);
        expect((await store.getTicketByTokenHash(other.tokenHash))!.failedAttempts).to.equal(3);
        const third = await store.createTicket(f.ticket(a.id, at(600)), T0);
        const download = await store.createTicket(f.ticket(a.id, at(600), 'cert_download'), T0);
        expect(
          await store.invalidateTickets(a.id, 'enroll', at(10)),
          'the three unexpired enroll tickets',
        ).to.equal(3);
        expect(await store.consumeTicket(third.id, at(11))).to.equal(false);
        expect(await store.consumeTicket(download.id, at(11)), 'other purposes untouched').to.equal(true);
        expect(await store.purgeExpiredTickets(at(5))).to.equal(0);
        expect(await store.purgeExpiredTickets(at(30))).to.equal(3);
        expect(await store.getTicketByTokenHash(ticket.tokenHash)).to.equal(null);
        expect(await store.purgeExpiredTickets(at(100000))).to.equal(1);
      });
    });

    describe('login history and audit', function () {
      it('lists login events newest first with filters, paging and totals, and purges by age', async function () {
        await f.tenant('p-01');
        const a = await f.account('p-01');
        for (let i = 0; i < 5; i += 1) {
          await store.addLoginEvent({
            accountId: a.id,
            tenantId: 'p-01',
            at: at(i),
            sourceIp: `10.0.0.${i}`,
            result: i % 2 ? 'bad_password' : 'success',
            clientId: 'rp',
            userAgent: 'ua',
            certSerial: null,
          });
        }
        await store.addLoginEvent({
          accountId: null,
          tenantId: null,
          at: at(10),
          sourceIp: '10.9.9.9',
          result: 'cert_missing',
          clientId: null,
          userAgent: null,
          certSerial: null,
        });
        const page = await store.listLoginEvents({ accountId: a.id, limit: 2 });
        expect(page.total).to.equal(5);
        expect(page.items.map((e) => e.sourceIp)).to.deep.equal(['10.0.0.4', '10.0.0.3']);
        expect((await store.listLoginEvents({ accountId: a.id, since: at(3) })).total).to.equal(2);
        expect((await store.listLoginEvents({ until: at(2) })).total).to.equal(2);
        expect((await store.listLoginEvents({})).items[0]!.result).to.equal('cert_missing');
        expect(await store.purgeLoginEvents(at(2), 'p-01')).to.equal(2);
        expect((await store.listLoginEvents({})).total).to.equal(4);
      });

      it('records audit events with details and filters them', async function () {
        await store.addAuditEvent({
          at: at(1),
          actor: 'admin:k1',
          action: 'account.unlocked',
          tenantId: 'p-01',
          accountId: 'a1',
          sourceIp: '10.0.0.1',
          details: { reason: 'call' },
        });
        await store.addAuditEvent({
          at: at(2),
          actor: 'system',
          action: 'account.locked',
          tenantId: 'p-01',
          accountId: 'a1',
          sourceIp: null,
          details: {},
        });
        const all = await store.listAuditEvents({ tenantId: 'p-01' });
        expect(all.total).to.equal(2);
        expect(all.items[0]!.action).to.equal('account.locked');
        expect(all.items[1]!.details).to.deep.equal({ reason: 'call' });
        expect(
          (await store.listAuditEvents({ action: 'account.unlocked' })).items.map((e) => e.actor),
        ).to.deep.equal(['admin:k1']);
      });
    });

    describe('mail outbox', function () {
      it('claims due mail, marks it sent, and retries or fails it', async function () {
        const m1 = await store.enqueueMail(f.mail(), T0);
        expect(m1).to.include({ status: 'pending', attempts: 0 });
        await store.enqueueMail({ ...f.mail(), nextAttemptAt: at(100) }, T0);
        const claimed = await store.claimMail('w1', at(1), 60_000, 10);
        expect(claimed.map((m) => m.id)).to.deep.equal([m1.id]);
        expect(claimed[0]).to.include({ status: 'sending', claimedBy: 'w1', attempts: 1 });
        expect(await store.claimMail('w2', at(2), 60_000, 10)).to.deep.equal([]);
        expect(await store.markMailSent(m1.id, 'w2', at(3)), 'only the claimant marks it').to.equal(false);
        expect(await store.markMailSent(m1.id, 'w1', at(3))).to.equal(true);
        expect((await store.listMail({ status: 'sent' })).items[0]!.sentAt).to.deep.equal(at(3));

        const [later] = await store.claimMail('w1', at(100), 60_000, 10);
        expect(await store.markMailFailed(later!.id, 'w1', 'connection refused', at(200), at(101))).to.equal(
          true,
        );
        expect((await store.listMail({ status: 'pending' })).items[0]).to.include({
          lastError: 'connection refused',
          attempts: 1,
        });
        expect(await store.claimMail('w1', at(150), 60_000, 10)).to.deep.equal([]);
        const [retry] = await store.claimMail('w1', at(200), 60_000, 10);
        expect(retry!.attempts).to.equal(2);
        expect(await store.markMailFailed(retry!.id, 'w1', '550 no such user', null, at(201))).to.equal(true);
        expect((await store.listMail({ status: 'failed' })).total).to.equal(1);
      });

      it('re-takes mail whose claim expired and never gives one mail to two workers', async function () {
        for (let i = 0; i < 20; i += 1) await store.enqueueMail(f.mail(), T0);
        const [a, b] = await Promise.all([
          store.claimMail('a', at(1), 1000, 15),
          store.claimMail('b', at(1), 1000, 15),
        ]);
        const ids = [...a, ...b].map((m) => m.id);
        expect(ids).to.have.length(20);
        expect(new Set(ids).size).to.equal(20);
        const retaken = await store.claimMail('c', at(5), 1000, 50);
        expect(retaken).to.have.length(20);
        expect(retaken.every((m) => m.attempts === 2 && m.claimedBy === 'c')).to.equal(true);
        expect((await store.listMail({ to: a[0]!.to })).total).to.equal(1);
      });
    });

    describe('rate limits and API keys', function () {
      it('counts hits per bucket and starts again after the window', async function () {
        expect(await store.hitRateLimit('k', at(60), T0)).to.equal(1);
        expect(await store.hitRateLimit('k', at(60), at(1))).to.equal(2);
        const concurrent = await Promise.all(
          Array.from({ length: 10 }, () => store.hitRateLimit('k', at(60), at(2))),
        );
        expect(Math.max(...concurrent)).to.equal(12);
        expect(await store.hitRateLimit('other', at(60), at(2))).to.equal(1);
        expect(await store.hitRateLimit('k', at(120), at(60))).to.equal(1);
      });

      it('stores API keys by hash and revokes them', async function () {
        const k = await store.createApiKey({ id: 'k1', keyHash: sha256Hex('secret'), label: 'ops' }, T0);
        expect(k).to.include({ id: 'k1', label: 'ops', revokedAt: null });
        expect((await store.getApiKeyByHash(sha256Hex('secret')))!.id).to.equal('k1');
        expect(await store.getApiKeyByHash(sha256Hex('other'))).to.equal(null);
        expect(await store.revokeApiKey('k1', at(1))).to.equal(true);
        expect(await store.revokeApiKey('k1', at(2))).to.equal(false);
        expect((await store.listApiKeys())[0]!.revokedAt).to.deep.equal(at(1));
        const dup = await store
          .createApiKey({ id: 'k2', keyHash: sha256Hex('secret'), label: 'x' }, T0)
          .catch((e: unknown) => e);
        expect(dup).to.be.instanceOf(StoreConflictError).with.property('field', 'keyHash');
      });
    });

    describe('oidc-provider artifacts', function () {
      it('upserts, finds until expiry, finds by uid and user code, consumes, destroys', async function () {
        await store.oidcUpsert('Session', 's1', { uid: 'u1', accountId: 'a' }, 60, T0);
        expect(await store.oidcFind('Session', 's1', at(59))).to.deep.equal({ uid: 'u1', accountId: 'a' });
        expect(await store.oidcFind('Session', 's1', at(60))).to.equal(null);
        expect(await store.oidcFindByUid('Session', 'u1', at(1))).to.deep.equal({
          uid: 'u1',
          accountId: 'a',
        });
        expect(await store.oidcFind('AccessToken', 's1', at(1)), 'models are separate').to.equal(null);
        await store.oidcUpsert('DeviceCode', 'd1', { userCode: 'ABCD' }, undefined, T0);
        expect(await store.oidcFindByUserCode('DeviceCode', 'ABCD', at(999999))).to.deep.equal({
          userCode: 'ABCD',
        });
        await store.oidcUpsert('AuthorizationCode', 'c1', { grantId: 'g1' }, 60, T0);
        await store.oidcConsume('AuthorizationCode', 'c1', at(7));
        expect((await store.oidcFind('AuthorizationCode', 'c1', at(8)))!.consumed).to.equal(
          Math.floor(at(7).getTime() / 1000),
        );
        await store.oidcDestroy('Session', 's1');
        expect(await store.oidcFindByUid('Session', 'u1', at(1))).to.equal(null);
      });

      it('revokes every artifact of a grant and purges expired ones', async function () {
        await store.oidcUpsert('AccessToken', 'at1', { grantId: 'g1' }, 60, T0);
        await store.oidcUpsert('RefreshToken', 'rt1', { grantId: 'g1' }, 600, T0);
        await store.oidcUpsert('AccessToken', 'at2', { grantId: 'g2' }, 60, T0);
        await store.oidcRevokeByGrantId('g1');
        expect(await store.oidcFind('AccessToken', 'at1', T0)).to.equal(null);
        expect(await store.oidcFind('RefreshToken', 'rt1', T0)).to.equal(null);
        expect(await store.oidcFind('AccessToken', 'at2', T0)).to.deep.equal({ grantId: 'g2' });
        expect(await store.oidcPurgeExpired(at(61))).to.be.at.least(1);
        expect(await store.oidcFind('AccessToken', 'at2', T0), 'purged').to.equal(null);
      });
    });

    it('answers ping and reports its kind', async function () {
      await store.ping();
      expect(store.kind).to.be.a('string').and.not.equal('');
    });
  });
}
