/** Contract: rate-limit buckets and admin API keys. */
import { expect } from 'chai';
import { sha256Hex } from '../../../src/random.js';
import { at, concurrently, expectConflict, T0, type ContractContext } from './context.js';

export function limitContract(ctx: ContractContext): void {
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

    it('counts every one of concurrent hits', async function () {
      const counts = await concurrently(25, () => ctx.store.hitRateLimit('k', at(60), at(1)));
      expect([...counts].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 25 }, (_, i) => i + 1));
    });
  });

  describe('API keys', function () {
    it('stores a key by hash, finds it, lists keys oldest first; missing → null', async function () {
      const k1 = await ctx.store.createApiKey({ id: 'k1', keyHash: sha256Hex('one'), label: 'ops' }, T0);
      expect(k1).to.deep.equal({
        id: 'k1',
        keyHash: sha256Hex('one'),
        label: 'ops',
        tenantId: null,
        createdAt: T0,
        revokedAt: null,
      });
      await ctx.store.createApiKey({ id: 'k0', keyHash: sha256Hex('two'), label: 'ci' }, at(1));
      expect(await ctx.store.getApiKeyByHash(sha256Hex('one'))).to.deep.equal(k1);
      expect(await ctx.store.getApiKeyByHash(sha256Hex('other'))).to.equal(null);
      expect((await ctx.store.listApiKeys()).map((k) => k.id)).to.deep.equal(['k1', 'k0']);
    });

    it('keeps the one tenant a key is limited to, which must exist', async function () {
      await ctx.f.tenant('p-01');
      const key = await ctx.store.createApiKey(
        { id: 'k-p01', keyHash: sha256Hex('tenant'), label: 'p-01 desk', tenantId: 'p-01' },
        T0,
      );
      expect(key.tenantId).to.equal('p-01');
      expect((await ctx.store.getApiKeyByHash(sha256Hex('tenant')))!.tenantId).to.equal('p-01');
    });

    it('revokes a key once; missing → false', async function () {
      await ctx.store.createApiKey({ id: 'k1', keyHash: sha256Hex('one'), label: 'ops' }, T0);
      expect(await ctx.store.revokeApiKey('k1', at(1))).to.equal(true);
      expect(await ctx.store.revokeApiKey('k1', at(2))).to.equal(false);
      expect(await ctx.store.revokeApiKey('missing', at(2))).to.equal(false);
      expect((await ctx.store.getApiKeyByHash(sha256Hex('one')))!.revokedAt).to.deep.equal(at(1));
    });

    it('rejects a duplicate hash (conflict on keyHash) or id (conflict on id)', async function () {
      await ctx.store.createApiKey({ id: 'k1', keyHash: sha256Hex('one'), label: 'ops' }, T0);
      await expectConflict(
        ctx.store.createApiKey({ id: 'k2', keyHash: sha256Hex('one'), label: 'x' }, T0),
        'keyHash',
      );
      await expectConflict(
        ctx.store.createApiKey({ id: 'k1', keyHash: sha256Hex('two'), label: 'x' }, T0),
        'id',
      );
    });
  });
}
