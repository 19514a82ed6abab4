/** Contract: Tobira's own short-lived state — records by kind and id, until they expire. */
import { expect } from 'chai';
import type { EphemeralStore } from '../../../src/store.js';
import { at, T0, type ContractContext } from './context.js';

export function ephemeralContract(ctx: ContractContext<EphemeralStore>): void {
  describe('short-lived state', function () {
    it('finds a record until it expires, per kind', async function () {
      const record = { scope: 'enroll:t1', csrf: 'c', data: { step: 1, list: ['x'] } };
      await ctx.store.putState('TobiraFormSession', 'f1', record, 60, T0);
      expect(await ctx.store.getState('TobiraFormSession', 'f1', at(59))).to.deep.equal(record);
      expect(await ctx.store.getState('TobiraFormSession', 'f1', at(60))).to.equal(null);
      expect(await ctx.store.getState('TobiraAccountSession', 'f1', at(1)), 'kinds are separate').to.equal(
        null,
      );
      expect(await ctx.store.getState('TobiraFormSession', 'missing', at(1))).to.equal(null);
    });

    it('replaces the record and restarts its lifetime when put again', async function () {
      await ctx.store.putState('TobiraAccountSession', 'a1', { seen: 1 }, 10, T0);
      await ctx.store.putState('TobiraAccountSession', 'a1', { seen: 2 }, 10, at(8));
      expect(await ctx.store.getState('TobiraAccountSession', 'a1', at(15))).to.deep.equal({ seen: 2 });
    });

    it('deletes a record; deleting a missing one is no error', async function () {
      await ctx.store.putState('TobiraSessionCertificate', 's1', { certFingerprint: 'f' }, 60, T0);
      await ctx.store.deleteState('TobiraSessionCertificate', 's1');
      expect(await ctx.store.getState('TobiraSessionCertificate', 's1', T0)).to.equal(null);
      await ctx.store.deleteState('TobiraSessionCertificate', 's1');
    });

    it('returns copies: mutating a found record changes nothing stored', async function () {
      const record = { returnTo: '/account', list: ['a'] };
      await ctx.store.putState('TobiraAccountLogin', 'l1', record, 60, T0);
      record.list.push('input mutated after put');
      const found = (await ctx.store.getState('TobiraAccountLogin', 'l1', T0))!;
      (found.list as string[]).push('mutated');
      expect(await ctx.store.getState('TobiraAccountLogin', 'l1', T0)).to.deep.equal({
        returnTo: '/account',
        list: ['a'],
      });
    });
  });
}
