/** Contract: admin API keys. */
import { expect } from 'chai';
import { sha256Hex } from '../../../src/random.js';
import type { ApiKeyStore } from '../../../src/store.js';
import { at, expectConflict, T0, type ContractContext } from './context.js';

export function apiKeyContract(ctx: ContractContext<ApiKeyStore>): void {
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
