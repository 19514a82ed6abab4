/** Contract: terminals (端末) — numbering, listing, updates, expiring pending downloads. */
import { expect } from 'chai';
import type { PendingDownload } from '../../../src/domain.js';
import { StoreError, type TerminalStore } from '../../../src/store.js';
import { at, concurrently, expectConflict, T0, type ContractContext } from './context.js';

const download = (expiresAt: Date): PendingDownload => ({
  p12Enc: 'sealed-p12',
  passwordEnc: 'sealed-pw',
  expiresAt,
});

export function terminalContract(ctx: ContractContext<TerminalStore>): void {
  describe('terminals', function () {
    let accountId: string;
    beforeEach(async function () {
      await ctx.f.tenant('p-01');
      accountId = (await ctx.f.account('p-01')).id;
    });

    it('creates a terminal with number 1 and no certificate; reads it; missing → null', async function () {
      const t = await ctx.store.createTerminal(
        { id: 'term-1', accountId, email: 'a@example.jp', type: 'mobile' },
        T0,
      );
      expect(t).to.include({
        id: 'term-1',
        accountId,
        number: 1,
        email: 'a@example.jp',
        type: 'mobile',
        currentCertificateSerial: null,
        pendingDownload: null,
        deleted: false,
      });
      expect(t.createdAt).to.deep.equal(T0);
      expect(await ctx.store.getTerminal('term-1')).to.deep.equal(t);
      expect(await ctx.store.getTerminal('missing')).to.equal(null);
      const orphan = await ctx.store
        .createTerminal({ id: 'term-2', accountId: 'missing', email: 'b@example.jp', type: 'pc' }, T0)
        .catch((e: unknown) => e);
      expect(orphan, 'no terminal without its account').to.be.instanceOf(StoreError);
      await expectConflict(
        ctx.store.createTerminal({ id: 'term-1', accountId, email: 'b@example.jp', type: 'pc' }, T0),
        'id',
      );
    });

    it('numbers terminals per account and never reuses a deleted one’s number', async function () {
      const other = (await ctx.f.account('p-01')).id;
      const t1 = await ctx.f.terminal(accountId);
      const t2 = await ctx.f.terminal(accountId);
      const o1 = await ctx.f.terminal(other);
      expect([t1.number, t2.number, o1.number]).to.deep.equal([1, 2, 1]);
      await ctx.store.updateTerminal(t2.id, { deleted: true }, T0);
      expect((await ctx.f.terminal(accountId)).number).to.equal(3);
    });

    it('gives distinct consecutive numbers to concurrent creations', async function () {
      const created = await concurrently(8, () => ctx.f.terminal(accountId));
      expect(created.map((t) => t.number).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('lists by number, deleted ones only when asked', async function () {
      const [t1, t2, t3] = [
        await ctx.f.terminal(accountId),
        await ctx.f.terminal(accountId),
        await ctx.f.terminal(accountId),
      ];
      await ctx.store.updateTerminal(t2!.id, { deleted: true }, T0);
      expect((await ctx.store.listTerminals(accountId)).map((t) => t.id)).to.deep.equal([t1!.id, t3!.id]);
      expect(
        (await ctx.store.listTerminals(accountId, { includeDeleted: true })).map((t) => t.number),
      ).to.deep.equal([1, 2, 3]);
      expect(await ctx.store.listTerminals('missing')).to.deep.equal([]);
    });

    it('updates e-mail, type and pending download; missing → null', async function () {
      const t = await ctx.f.terminal(accountId);
      const u = (await ctx.store.updateTerminal(
        t.id,
        { email: 'new@example.jp', type: 'smartphone', pendingDownload: download(at(60)) },
        at(1),
      ))!;
      expect(u).to.include({ email: 'new@example.jp', type: 'smartphone', number: 1 });
      expect(u.pendingDownload).to.deep.equal(download(at(60)));
      expect(u.updatedAt).to.deep.equal(at(1));
      expect(await ctx.store.getTerminal(t.id)).to.deep.equal(u);
      const cleared = (await ctx.store.updateTerminal(t.id, { pendingDownload: null }, at(2)))!;
      expect(cleared.pendingDownload).to.equal(null);
      expect(cleared.email, 'untouched fields stay').to.equal('new@example.jp');
      expect(await ctx.store.updateTerminal('missing', { email: 'x@example.jp' }, at(2))).to.equal(null);
    });

    it('returns copies: mutating a returned terminal changes nothing stored', async function () {
      const t = await ctx.f.terminal(accountId);
      const u = (await ctx.store.updateTerminal(t.id, { pendingDownload: download(at(60)) }, T0))!;
      u.pendingDownload!.expiresAt.setTime(0);
      u.pendingDownload!.p12Enc = 'mutated';
      u.email = 'mutated@example.jp';
      const read = (await ctx.store.getTerminal(t.id))!;
      expect(read.pendingDownload).to.deep.equal(download(at(60)));
      expect(read.email).to.equal(t.email);
    });

    it('clears pending downloads that expired at or before now, and only those', async function () {
      const soon = await ctx.f.terminal(accountId);
      const later = await ctx.f.terminal(accountId);
      const none = await ctx.f.terminal(accountId);
      await ctx.store.updateTerminal(soon.id, { pendingDownload: download(at(60)) }, T0);
      await ctx.store.updateTerminal(later.id, { pendingDownload: download(at(600)) }, T0);
      expect(await ctx.store.clearExpiredDownloads(at(59))).to.equal(0);
      expect(await ctx.store.clearExpiredDownloads(at(60))).to.equal(1);
      expect((await ctx.store.getTerminal(soon.id))!.pendingDownload).to.equal(null);
      expect((await ctx.store.getTerminal(later.id))!.pendingDownload).to.deep.equal(download(at(600)));
      expect((await ctx.store.getTerminal(none.id))!.pendingDownload).to.equal(null);
      expect(await ctx.store.clearExpiredDownloads(at(60)), 'idempotent').to.equal(0);
    });
  });
}
