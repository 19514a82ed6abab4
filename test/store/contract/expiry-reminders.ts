/** Contract: certificates near their end — listed for the reminder job, each reminder claimed once. */
import { expect } from 'chai';
import type { CertificateStore, TerminalStore } from '../../../src/store.js';
import { at, concurrently, type ContractContext } from './context.js';

export function expiryReminderContract(ctx: ContractContext<CertificateStore & TerminalStore>): void {
  describe('certificates: expiry reminders', function () {
    let accountId: string;
    let terminalId: string;
    beforeEach(async function () {
      const { account, terminal } = await ctx.f.owner();
      accountId = account.id;
      terminalId = terminal.id;
    });

    it('lists active certificates expiring within a window, soonest first, bounds as given', async function () {
      const t2 = (await ctx.f.terminal(accountId)).id;
      const t3 = (await ctx.f.terminal(accountId)).id;
      const later = await ctx.f.issue(accountId, terminalId, at(150));
      const sooner = await ctx.f.issue(accountId, t2, at(100));
      const revoked = await ctx.f.issue(accountId, t3, at(120));
      await ctx.store.revokeCertificate(revoked.serial, 'keyCompromise', at(1));
      const expiring = async (now: number, before: number) =>
        (await ctx.store.listCertificatesExpiring(at(now), at(before))).map((c) => c.serial);
      expect(await expiring(0, 200), 'revoked ones are left out').to.deep.equal([
        sooner.serial,
        later.serial,
      ]);
      expect(await expiring(0, 100), 'notAfter at the bound is in').to.deep.equal([sooner.serial]);
      expect(await expiring(100, 200), 'already expired at now is out').to.deep.equal([later.serial]);
      expect(await expiring(0, 50)).to.deep.equal([]);
    });

    it('claims each threshold once, a smaller one after a larger one, never a larger one after', async function () {
      const cert = await ctx.f.issue(accountId, terminalId);
      expect(await ctx.store.claimExpiryReminder(cert.serial, 30)).to.equal(true);
      expect(await ctx.store.claimExpiryReminder(cert.serial, 30), 'again').to.equal(false);
      expect(await ctx.store.claimExpiryReminder(cert.serial, 7)).to.equal(true);
      expect(await ctx.store.claimExpiryReminder(cert.serial, 7), 'again').to.equal(false);
      expect(await ctx.store.claimExpiryReminder(cert.serial, 30), 'a larger one after').to.equal(false);
      expect(await ctx.store.getCertificate(cert.serial), 'the record is unchanged').to.deep.include({
        status: 'active',
        serial: cert.serial,
      });
    });

    it('claims nothing for a revoked, superseded or missing certificate; a re-issued one starts fresh', async function () {
      const revoked = await ctx.f.issue(accountId, terminalId);
      await ctx.store.revokeCertificate(revoked.serial, 'keyCompromise', at(1));
      expect(await ctx.store.claimExpiryReminder(revoked.serial, 30)).to.equal(false);
      const t2 = (await ctx.f.terminal(accountId)).id;
      const first = await ctx.f.issue(accountId, t2);
      expect(await ctx.store.claimExpiryReminder(first.serial, 7)).to.equal(true);
      const second = await ctx.f.issue(accountId, t2, undefined, at(10)); // supersedes `first`
      expect(await ctx.store.claimExpiryReminder(first.serial, 1), 'superseded').to.equal(false);
      expect(await ctx.store.claimExpiryReminder(second.serial, 30), 'new serial').to.equal(true);
      expect(await ctx.store.claimExpiryReminder('00ff', 30), 'missing').to.equal(false);
    });

    it('only one of N concurrent claims of the same threshold wins', async function () {
      const cert = await ctx.f.issue(accountId, terminalId);
      const wins = await concurrently(8, () => ctx.store.claimExpiryReminder(cert.serial, 30));
      expect(wins.filter(Boolean)).to.have.length(1);
      const later = await concurrently(8, () => ctx.store.claimExpiryReminder(cert.serial, 7));
      expect(later.filter(Boolean)).to.have.length(1);
    });
  });
}
