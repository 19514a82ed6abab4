/** Contract: rate-limit buckets — fixed windows, counted atomically. */
import { expect } from 'chai';
import type { RateLimitStore } from '../../../src/store.js';
import { at, concurrently, T0, type ContractContext } from './context.js';

export function rateLimitContract(ctx: ContractContext<RateLimitStore>): void {
  describe('rate limits', function () {
    it('counts hits per key within the window', async function () {
      expect(await ctx.store.hitRateLimit('ip:1', at(60), T0)).to.equal(1);
      expect(await ctx.store.hitRateLimit('ip:1', at(60), at(1))).to.equal(2);
      expect(await ctx.store.hitRateLimit('ip:2', at(60), at(1)), 'keys are separate').to.equal(1);
      expect(await ctx.store.hitRateLimit('ip:1', at(999), at(2)), 'the window is not extended').to.equal(3);
      expect(await ctx.store.hitRateLimit('ip:1', at(120), at(59))).to.equal(4);
    });

    it('starts a new window once the bucket expired (at expiresAt)', async function () {
      await ctx.store.hitRateLimit('k', at(60), T0);
      await ctx.store.hitRateLimit('k', at(60), at(1));
      expect(await ctx.store.hitRateLimit('k', at(120), at(60))).to.equal(1);
      expect(await ctx.store.hitRateLimit('k', at(999), at(119)), 'the new window ends at 120 s').to.equal(2);
      expect(await ctx.store.hitRateLimit('k', at(180), at(120))).to.equal(1);
    });

    it('reads a bucket’s count without changing it; 0 for none or an expired one', async function () {
      expect(await ctx.store.countRateLimit('r', T0), 'no bucket').to.equal(0);
      await ctx.store.hitRateLimit('r', at(60), T0);
      await ctx.store.hitRateLimit('r', at(60), at(1));
      expect(await ctx.store.countRateLimit('r', at(2))).to.equal(2);
      expect(await ctx.store.countRateLimit('r', at(59)), 'reading does not count').to.equal(2);
      expect(await ctx.store.countRateLimit('r', at(60)), 'expired at expiresAt').to.equal(0);
      expect(await ctx.store.countRateLimit('other', at(2))).to.equal(0);
    });

    it('counts a request’s buckets at once, each with its previous window’s count', async function () {
      await ctx.store.hitRateLimit('a:0', at(120), T0);
      await ctx.store.hitRateLimit('a:0', at(120), at(1));
      await ctx.store.hitRateLimit('b:1', at(180), at(61));
      const counts = await ctx.store.hitRateLimits(
        [
          { key: 'a:1', expiresAt: at(180), previousKey: 'a:0' },
          { key: 'b:1', expiresAt: at(180), previousKey: 'b:0' },
        ],
        at(62),
      );
      expect(counts).to.deep.equal([
        { current: 1, previous: 2 },
        { current: 2, previous: 0 },
      ]);
      expect(await ctx.store.countRateLimit('a:1', at(63)), 'the hit counted').to.equal(1);
      expect(await ctx.store.countRateLimit('a:0', at(63)), 'the previous window only read').to.equal(2);
      expect(await ctx.store.hitRateLimits([], at(63))).to.deep.equal([]);
    });

    it('counts every one of concurrent hits', async function () {
      const counts = await concurrently(25, () => ctx.store.hitRateLimit('k', at(60), at(1)));
      expect([...counts].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 25 }, (_, i) => i + 1));
    });
  });
}
