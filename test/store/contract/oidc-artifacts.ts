/** Contract: oidc-provider artifacts — expiring payloads by model, secondary lookups, grants. */
import { expect } from 'chai';
import type { OidcArtifactStore } from '../../../src/store.js';
import { at, T0, type ContractContext } from './context.js';

const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

export function oidcArtifactContract(ctx: ContractContext<OidcArtifactStore>): void {
  describe('oidc-provider artifacts', function () {
    it('finds an artifact until it expires, per model', async function () {
      const payload = { accountId: 'a', exp: 123, nested: { list: [1, 'x'] } };
      await ctx.store.oidcUpsert('Session', 's1', payload, 60, T0);
      expect(await ctx.store.oidcFind('Session', 's1', at(59))).to.deep.equal(payload);
      expect(await ctx.store.oidcFind('Session', 's1', at(60))).to.equal(null);
      expect(await ctx.store.oidcFind('AccessToken', 's1', at(1)), 'models are separate').to.equal(null);
      expect(await ctx.store.oidcFind('Session', 'missing', at(1))).to.equal(null);
    });

    it('keeps an artifact without expiresIn until it is destroyed', async function () {
      await ctx.store.oidcUpsert('Grant', 'g1', { accountId: 'a' }, undefined, T0);
      expect(await ctx.store.oidcFind('Grant', 'g1', at(10 ** 8))).to.deep.equal({ accountId: 'a' });
      await ctx.store.oidcDestroy('Grant', 'g1');
      expect(await ctx.store.oidcFind('Grant', 'g1', T0)).to.equal(null);
      await ctx.store.oidcDestroy('Grant', 'g1');
    });

    it('replaces the payload and expiry on upsert', async function () {
      await ctx.store.oidcUpsert('Interaction', 'i1', { step: 1 }, 10, T0);
      await ctx.store.oidcUpsert('Interaction', 'i1', { step: 2 }, 100, at(5));
      expect(await ctx.store.oidcFind('Interaction', 'i1', at(50))).to.deep.equal({ step: 2 });
    });

    it('finds a session by uid and a device code by user code, until expiry', async function () {
      await ctx.store.oidcUpsert('Session', 's1', { uid: 'u1', accountId: 'a' }, 60, T0);
      await ctx.store.oidcUpsert('DeviceCode', 'd1', { userCode: 'ABCD-EFGH', grantId: 'g' }, 60, T0);
      expect(await ctx.store.oidcFindByUid('Session', 'u1', at(1))).to.deep.equal({
        uid: 'u1',
        accountId: 'a',
      });
      expect(await ctx.store.oidcFindByUid('Session', 'u2', at(1))).to.equal(null);
      expect(await ctx.store.oidcFindByUid('Interaction', 'u1', at(1))).to.equal(null);
      expect(await ctx.store.oidcFindByUserCode('DeviceCode', 'ABCD-EFGH', at(1))).to.deep.equal({
        userCode: 'ABCD-EFGH',
        grantId: 'g',
      });
      expect(await ctx.store.oidcFindByUserCode('DeviceCode', 'ZZZZ', at(1))).to.equal(null);
      expect(await ctx.store.oidcFindByUid('Session', 'u1', at(60))).to.equal(null);
      expect(await ctx.store.oidcFindByUserCode('DeviceCode', 'ABCD-EFGH', at(60))).to.equal(null);
      await ctx.store.oidcDestroy('Session', 's1');
      await ctx.store.oidcUpsert('Session', 's1', { uid: 'u1', accountId: 'a' }, 60, T0);
      await ctx.store.oidcDestroy('Session', 's1');
      expect(await ctx.store.oidcFindByUid('Session', 'u1', at(1))).to.equal(null);
    });

    it('marks an artifact consumed with the epoch seconds of now', async function () {
      await ctx.store.oidcUpsert('AuthorizationCode', 'c1', { grantId: 'g1' }, 60, T0);
      expect((await ctx.store.oidcFind('AuthorizationCode', 'c1', at(1)))!.consumed).to.equal(undefined);
      expect(await ctx.store.oidcConsume('AuthorizationCode', 'c1', at(7.5))).to.equal(true);
      expect(await ctx.store.oidcFind('AuthorizationCode', 'c1', at(8))).to.deep.equal({
        grantId: 'g1',
        consumed: epochSeconds(at(7.5)),
      });
      expect(await ctx.store.oidcConsume('AuthorizationCode', 'missing', at(7))).to.equal(false);
      expect(await ctx.store.oidcFind('AuthorizationCode', 'missing', at(8))).to.equal(null);
    });

    it('consumes an artifact once: of two consumptions at once, one wins and the other changes nothing', async function () {
      await ctx.store.oidcUpsert('AuthorizationCode', 'c2', { grantId: 'g2' }, 60, T0);
      const won = await Promise.all([
        ctx.store.oidcConsume('AuthorizationCode', 'c2', at(2)),
        ctx.store.oidcConsume('AuthorizationCode', 'c2', at(3)),
      ]);
      expect(won.filter(Boolean)).to.have.length(1);
      expect((await ctx.store.oidcFind('AuthorizationCode', 'c2', at(4)))!.consumed).to.equal(
        epochSeconds(at(won[0] ? 2 : 3)),
      );
      expect(await ctx.store.oidcConsume('AuthorizationCode', 'c2', at(5))).to.equal(false);
    });

    it('revokes every artifact of a grant across models, and only those', async function () {
      await ctx.store.oidcUpsert('AccessToken', 'at1', { grantId: 'g1' }, 60, T0);
      await ctx.store.oidcUpsert('RefreshToken', 'rt1', { grantId: 'g1' }, 600, T0);
      await ctx.store.oidcUpsert('AuthorizationCode', 'c1', { grantId: 'g1' }, 60, T0);
      await ctx.store.oidcUpsert('AccessToken', 'at2', { grantId: 'g2' }, 60, T0);
      await ctx.store.oidcUpsert('Session', 's1', { uid: 'u1' }, 60, T0);
      await ctx.store.oidcRevokeByGrantId('g1');
      for (const [model, id] of [
        ['AccessToken', 'at1'],
        ['RefreshToken', 'rt1'],
        ['AuthorizationCode', 'c1'],
      ] as const)
        expect(await ctx.store.oidcFind(model, id, T0), `${model} ${id}`).to.equal(null);
      expect(await ctx.store.oidcFind('AccessToken', 'at2', T0)).to.deep.equal({ grantId: 'g2' });
      expect(await ctx.store.oidcFind('Session', 's1', T0)).to.deep.equal({ uid: 'u1' });
      await ctx.store.oidcRevokeByGrantId('unknown');
    });

    it('purges expired artifacts and keeps live and unexpiring ones', async function () {
      await ctx.store.oidcUpsert('AccessToken', 'short', { grantId: 'g' }, 60, T0);
      await ctx.store.oidcUpsert('AccessToken', 'long', { grantId: 'g' }, 600, T0);
      await ctx.store.oidcUpsert('Grant', 'forever', {}, undefined, T0);
      expect(await ctx.store.oidcPurgeExpired(at(59))).to.equal(0);
      expect(await ctx.store.oidcPurgeExpired(at(60))).to.equal(1);
      expect(await ctx.store.oidcFind('AccessToken', 'short', T0), 'gone, whatever now says').to.equal(null);
      expect(await ctx.store.oidcFind('AccessToken', 'long', T0)).to.deep.equal({ grantId: 'g' });
      expect(await ctx.store.oidcFind('Grant', 'forever', T0)).to.deep.equal({});
    });

    it('returns copies: mutating a found payload changes nothing stored', async function () {
      const payload = { accountId: 'a', scopes: ['openid'] };
      await ctx.store.oidcUpsert('Grant', 'g1', payload, 60, T0);
      payload.scopes.push('input mutated after upsert');
      const found = (await ctx.store.oidcFind('Grant', 'g1', T0))!;
      (found.scopes as string[]).push('mutated');
      expect(await ctx.store.oidcFind('Grant', 'g1', T0)).to.deep.equal({
        accountId: 'a',
        scopes: ['openid'],
      });
    });
  });
}
