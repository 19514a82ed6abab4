/** Contract: login history (ログイン履歴) — newest first, filtered, paged, purged. */
import { expect } from 'chai';
import type { LoginHistoryStore } from '../../../src/store.js';
import { at, loginEventInput, type ContractContext } from './context.js';

export function loginHistoryContract(ctx: ContractContext<LoginHistoryStore>): void {
  describe('login history', function () {
    /** Five events of account `a1` in p-01 (at 0…4 s), one of `b1` in p-02 (at 5 s), one anonymous (at 10 s). */
    beforeEach(async function () {
      for (let i = 0; i < 5; i += 1) {
        await ctx.store.addLoginEvent(
          loginEventInput({
            accountId: 'a1',
            tenantId: 'p-01',
            at: at(i),
            sourceIp: `10.0.0.${i}`,
            result: i % 2 ? 'bad_password' : 'success',
          }),
        );
      }
      await ctx.store.addLoginEvent(loginEventInput({ accountId: 'b1', tenantId: 'p-02', at: at(5) }));
      await ctx.store.addLoginEvent(loginEventInput({ at: at(10), result: 'cert_missing' }));
    });

    it('returns the stored event with a new id', async function () {
      const input = loginEventInput({ accountId: 'a1', clientId: 'rp', userAgent: 'ua', certSerial: '0a' });
      const event = await ctx.store.addLoginEvent(input);
      expect(event.id).to.be.a('string').and.not.equal('');
      expect(event).to.deep.equal({ ...input, id: event.id });
      const other = await ctx.store.addLoginEvent(input);
      expect(other.id).to.not.equal(event.id);
    });

    it('lists newest first with totals and paging', async function () {
      const all = await ctx.store.listLoginEvents({});
      expect(all.total).to.equal(7);
      expect(all.items.map((e) => e.at)).to.deep.equal([10, 5, 4, 3, 2, 1, 0].map(at));
      const page = await ctx.store.listLoginEvents({ accountId: 'a1', offset: 1, limit: 2 });
      expect(page.total).to.equal(5);
      expect(page.items.map((e) => e.sourceIp)).to.deep.equal(['10.0.0.3', '10.0.0.2']);
    });

    it('filters by account, tenant, since (inclusive) and until (exclusive)', async function () {
      const count = async (q: Parameters<typeof ctx.store.listLoginEvents>[0]) =>
        (await ctx.store.listLoginEvents(q)).total;
      expect(await count({ accountId: 'a1' })).to.equal(5);
      expect(await count({ tenantId: 'p-02' })).to.equal(1);
      expect(await count({ accountId: 'a1', since: at(3) })).to.equal(2);
      expect(await count({ until: at(2) })).to.equal(2);
      expect(await count({ since: at(1), until: at(5) })).to.equal(4);
      expect(await count({ accountId: 'missing' })).to.equal(0);
    });

    it('purges events older than the given instant, optionally of one tenant only', async function () {
      expect(await ctx.store.purgeLoginEvents(at(2), 'p-01')).to.equal(2);
      expect(await ctx.store.purgeLoginEvents(at(6), 'p-03')).to.equal(0);
      expect(await ctx.store.purgeLoginEvents(at(6))).to.equal(4);
      expect((await ctx.store.listLoginEvents({})).items.map((e) => e.result)).to.deep.equal([
        'cert_missing',
      ]);
    });
  });
}
