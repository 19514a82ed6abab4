/** Contract: account records — create, read, search, update, delete. */
import { expect } from 'chai';
import type { AccountStore, CertificateStore, TerminalStore, TicketStore } from '../../../src/store.js';
import { at, expectConflict, T0, ticketInput, type ContractContext } from './context.js';

/** The other roles are only read: deleting an account takes its terminals and tickets, revokes its certificates. */
export function accountContract(
  ctx: ContractContext<AccountStore & TerminalStore & TicketStore & CertificateStore>,
): void {
  describe('accounts', function () {
    beforeEach(async function () {
      await ctx.f.tenant('p-01');
      await ctx.f.tenant('p-02');
    });

    it('creates an account with empty credentials and zero counters', async function () {
      const a = await ctx.f.account('p-01', { userId: 'p-01-usr012', status: 'pending' });
      expect(a).to.include({
        tenantId: 'p-01',
        userId: 'p-01-usr012',
        displayName: null,
        status: 'pending',
        loginMethod: 'password',
        lockReason: null,
        lockedAt: null,
        passwordHash: null,
        passwordChangedAt: null,
        mustChangePassword: false,
        failedPasswordCount: 0,
        failedSecretAnswerCount: 0,
        failedEnrollmentOtpCount: 0,
        secretQuestionId: null,
        secretAnswerHash: null,
        totpSecretEnc: null,
        totpLastStep: null,
      });
      expect(a.passwordHistory).to.deep.equal([]);
      expect(a.createdAt).to.deep.equal(T0);
    });

    it('keeps a display name given at creation, changes it, and clears it', async function () {
      const a = await ctx.f.account('p-01', { displayName: '山田 花子' });
      expect(a.displayName).to.equal('山田 花子');
      expect((await ctx.store.getAccount(a.id))!.displayName).to.equal('山田 花子');
      const renamed = await ctx.store.updateAccount(a.id, { displayName: 'Hanako Yamada' }, at(1));
      expect(renamed!.displayName).to.equal('Hanako Yamada');
      const cleared = await ctx.store.updateAccount(a.id, { displayName: null }, at(2));
      expect((await ctx.store.getAccount(a.id))!.displayName).to.equal(null);
      expect(cleared!.displayName).to.equal(null);
    });

    it('reads by id and by exact, case-sensitive user ID; missing → null', async function () {
      const a = await ctx.f.account('p-01', { userId: 'p-01-usr012' });
      expect(await ctx.store.getAccount(a.id)).to.deep.equal(a);
      expect(await ctx.store.getAccountByUserId('p-01-usr012')).to.deep.equal(a);
      expect(await ctx.store.getAccountByUserId('P-01-USR012')).to.equal(null);
      expect(await ctx.store.getAccountByUserId('p-01-usr01')).to.equal(null);
      expect(await ctx.store.getAccount('missing')).to.equal(null);
    });

    it('keeps user IDs unique platform-wide (conflict on userId) and ids unique (conflict on id)', async function () {
      const a = await ctx.f.account('p-01', { userId: 'p-01-usr012' });
      await expectConflict(ctx.f.account('p-02', { userId: 'p-01-usr012' }), 'userId');
      await expectConflict(ctx.f.account('p-01', { id: a.id }), 'id');
    });

    it('updates the given fields, stamps updatedAt, and returns null for a missing account', async function () {
      const a = await ctx.f.account('p-01');
      const patch = {
        passwordHash: 'h1',
        passwordHistory: ['h0'],
        passwordChangedAt: at(1),
        mustChangePassword: true,
        secretQuestionId: 'first_pet',
        secretAnswerHash: 'sa',
        loginMethod: 'password_otp' as const,
        totpSecretEnc: 'sealed',
        totpLastStep: 7,
      };
      const updated = (await ctx.store.updateAccount(a.id, patch, at(2)))!;
      expect(updated).to.deep.include({ ...patch, status: 'active', updatedAt: at(2), createdAt: T0 });
      expect(await ctx.store.getAccount(a.id)).to.deep.equal(updated);
      const cleared = await ctx.store.updateAccount(a.id, { totpSecretEnc: null, totpLastStep: null }, at(3));
      expect(cleared).to.include({ totpSecretEnc: null, totpLastStep: null, passwordHash: 'h1' });
      expect(await ctx.store.updateAccount('missing', { passwordHash: 'x' }, at(2))).to.equal(null);
    });

    it('returns copies: mutating a returned account changes nothing stored', async function () {
      const a = await ctx.f.account('p-01');
      const updated = (await ctx.store.updateAccount(a.id, { passwordHistory: ['h0'] }, at(1)))!;
      updated.passwordHistory.push('mutated');
      updated.failedPasswordCount = 42;
      updated.updatedAt.setTime(0);
      const read = (await ctx.store.getAccount(a.id))!;
      expect(read.passwordHistory).to.deep.equal(['h0']);
      expect(read.failedPasswordCount).to.equal(0);
      expect(read.updatedAt).to.deep.equal(at(1));
    });

    it('searches by tenant, user ID prefix and status, ordered by user ID, with paging and totals', async function () {
      await ctx.f.account('p-01', { userId: 'p-01-b' });
      await ctx.f.account('p-01', { userId: 'p-01-a', status: 'pending' });
      await ctx.f.account('p-02', { userId: 'p-02-a' });
      await ctx.f.account('p-02', { userId: 'x_p-0' });
      const ids = (page: { items: { userId: string }[] }) => page.items.map((x) => x.userId);

      const firstOfTenant = await ctx.store.findAccounts({ tenantId: 'p-01', limit: 1 });
      expect(firstOfTenant.total).to.equal(2);
      expect(ids(firstOfTenant)).to.deep.equal(['p-01-a']);
      const prefixed = await ctx.store.findAccounts({ userIdPrefix: 'p-0', offset: 1, limit: 10 });
      expect(prefixed.total).to.equal(3);
      expect(ids(prefixed)).to.deep.equal(['p-01-b', 'p-02-a']);
      expect(ids(await ctx.store.findAccounts({ userIdPrefix: 'P-0' })), 'case-sensitive').to.deep.equal([]);
      expect(ids(await ctx.store.findAccounts({ status: 'pending' }))).to.deep.equal(['p-01-a']);
      expect((await ctx.store.findAccounts({})).total).to.equal(4);
      const past = await ctx.store.findAccounts({ offset: 10 });
      expect(past).to.deep.equal({ items: [], total: 4 });
    });

    it('treats the user ID prefix literally, not as a pattern', async function () {
      await ctx.f.account('p-01', { userId: 'ab_c' });
      await ctx.f.account('p-01', { userId: 'abxc' });
      await ctx.f.account('p-01', { userId: 'a%z' });
      const ids = async (userIdPrefix: string) =>
        (await ctx.store.findAccounts({ userIdPrefix })).items.map((x) => x.userId);
      expect(await ids('ab_')).to.deep.equal(['ab_c']);
      expect(await ids('a%')).to.deep.equal(['a%z']);
      expect(await ids('a.')).to.deep.equal([]);
    });

    it('deletes an account with its terminals and tickets, keeping its certificates revoked', async function () {
      const { account, terminal } = await ctx.f.owner();
      const cert = await ctx.f.issue(account.id, terminal.id);
      const ticket = await ctx.store.createTicket(ticketInput(account.id), T0);
      expect(await ctx.store.deleteAccount(account.id, at(9))).to.equal(true);
      expect(await ctx.store.getAccount(account.id)).to.equal(null);
      expect(await ctx.store.getTerminal(terminal.id)).to.equal(null);
      expect(await ctx.store.listTerminals(account.id, { includeDeleted: true })).to.deep.equal([]);
      expect(await ctx.store.getTicketByTokenHash(ticket.tokenHash)).to.equal(null);
      const kept = (await ctx.store.getCertificate(cert.serial))!;
      expect(kept.status).to.equal('revoked');
      expect(kept.revokedAt).to.deep.equal(at(9));
      expect((await ctx.store.listRevokedCertificates(at(10))).map((c) => c.serial)).to.deep.equal([
        cert.serial,
      ]);
      expect(await ctx.store.deleteAccount(account.id, at(9))).to.equal(false);
    });
  });
}
