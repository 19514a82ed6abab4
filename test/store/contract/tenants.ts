/** Contract: tenants. */
import { expect } from 'chai';
import { parseTenantPolicy } from '../../../src/policy/tenant-policy.js';
import type { TenantStore } from '../../../src/store.js';
import { at, expectConflict, T0, type ContractContext } from './context.js';
import { PNG_1PX_B64 } from '../../helpers/cli-runner.js';

export function tenantContract(ctx: ContractContext<TenantStore>): void {
  describe('tenants', function () {
    it('creates a tenant with its policy and reads it back', async function () {
      const t = await ctx.f.tenant('p-01');
      expect(t).to.include({ id: 'p-01', name: 'Tenant p-01', supportContact: 'desk@example.jp' });
      expect(t.policy.lockout.maxPasswordFailures).to.equal(5);
      expect(t.createdAt).to.deep.equal(T0);
      expect(t.updatedAt).to.deep.equal(T0);
      expect(await ctx.store.getTenant('p-01')).to.deep.equal(t);
      expect(await ctx.store.getTenant('nope')).to.equal(null);
    });

    it('lists tenants by id', async function () {
      await ctx.f.tenant('p-02');
      await ctx.f.tenant('p-01');
      expect((await ctx.store.listTenants()).map((x) => x.id)).to.deep.equal(['p-01', 'p-02']);
    });

    it('updates only the given fields and stamps updatedAt; missing → null', async function () {
      const t = await ctx.f.tenant('p-01');
      const policy = { ...t.policy, lockout: { ...t.policy.lockout, maxPasswordFailures: 3 } };
      const updated = await ctx.store.updateTenant('p-01', { name: 'Renamed', policy }, at(10));
      expect(updated).to.include({ name: 'Renamed', supportContact: 'desk@example.jp' });
      expect(updated!.policy.lockout.maxPasswordFailures).to.equal(3);
      expect(updated!.createdAt).to.deep.equal(T0);
      expect(updated!.updatedAt).to.deep.equal(at(10));
      expect(await ctx.store.getTenant('p-01')).to.deep.equal(updated);
      expect(await ctx.store.updateTenant('nope', { name: 'x' }, at(10))).to.equal(null);
    });

    it('keeps the branding (logo included) and time zone through an update, and removes a logo', async function () {
      const t = await ctx.f.tenant('p-01');
      const logo = { contentType: 'image/png' as const, data: PNG_1PX_B64 };
      const branded = parseTenantPolicy({
        ...t.policy,
        timeZone: 'Europe/Berlin',
        branding: { displayName: 'さくら銀行', primaryColor: '#0b3d91', logo, support: { hours: '9–17' } },
      });
      const updated = await ctx.store.updateTenant('p-01', { policy: branded }, at(10));
      expect(updated!.policy.timeZone).to.equal('Europe/Berlin');
      expect(updated!.policy.branding).to.deep.equal(branded.branding);
      expect(await ctx.store.getTenant('p-01')).to.deep.equal(updated);
      const removed = parseTenantPolicy({ ...branded, branding: { ...branded.branding, logo: null } });
      await ctx.store.updateTenant('p-01', { policy: removed }, at(11));
      expect((await ctx.store.getTenant('p-01'))!.policy.branding.logo).to.equal(null);
    });

    it('rejects a duplicate id with a conflict on id', async function () {
      await ctx.f.tenant('p-01');
      await expectConflict(ctx.f.tenant('p-01'), 'id');
    });

    it('returns copies: mutating a returned tenant changes nothing stored', async function () {
      const t = await ctx.f.tenant('p-01');
      t.policy.lockout.maxPasswordFailures = 99;
      t.createdAt.setTime(0);
      const read = (await ctx.store.getTenant('p-01'))!;
      expect(read.policy.lockout.maxPasswordFailures).to.equal(5);
      read.name = 'mutated';
      expect((await ctx.store.listTenants())[0]).to.include({ name: 'Tenant p-01' });
      expect((await ctx.store.getTenant('p-01'))!.createdAt).to.deep.equal(T0);
    });
  });
}
