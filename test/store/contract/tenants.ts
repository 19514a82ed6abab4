/** Contract: tenants and OIDC client records. */
import { expect } from 'chai';
import { at, expectConflict, T0, type ContractContext } from './context.js';

export function tenantContract(ctx: ContractContext): void {
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

  describe('OIDC clients', function () {
    const client = (clientId: string, tenantId = 'p-01', metadata: Record<string, unknown> = {}) => ({
      clientId,
      tenantId,
      metadata,
      firstParty: false,
    });

    beforeEach(async function () {
      await ctx.f.tenant('p-01');
      await ctx.f.tenant('p-02');
    });

    it('creates and reads a client with its metadata; missing → null', async function () {
      const metadata = { redirect_uris: ['https://rp.example/cb'], client_secret: 's' };
      const c = await ctx.store.createClient({ ...client('rp1', 'p-01', metadata), firstParty: true }, T0);
      expect(c).to.include({ clientId: 'rp1', tenantId: 'p-01', firstParty: true });
      expect(c.metadata).to.deep.equal(metadata);
      expect(c.createdAt).to.deep.equal(T0);
      expect(await ctx.store.getClient('rp1')).to.deep.equal(c);
      expect(await ctx.store.getClient('nope')).to.equal(null);
    });

    it('lists clients by client id, all or of one tenant', async function () {
      await ctx.store.createClient(client('rp2'), T0);
      await ctx.store.createClient(client('rp1'), T0);
      await ctx.store.createClient(client('rp3', 'p-02'), T0);
      expect((await ctx.store.listClients('p-01')).map((x) => x.clientId)).to.deep.equal(['rp1', 'rp2']);
      expect((await ctx.store.listClients()).map((x) => x.clientId)).to.deep.equal(['rp1', 'rp2', 'rp3']);
      expect(await ctx.store.listClients('other')).to.deep.equal([]);
    });

    it('replaces the metadata on update; missing → null', async function () {
      await ctx.store.createClient(client('rp1', 'p-01', { a: 1, b: 2 }), T0);
      const updated = await ctx.store.updateClient('rp1', { c: 3 }, at(5));
      expect(updated!.metadata).to.deep.equal({ c: 3 });
      expect(updated!.updatedAt).to.deep.equal(at(5));
      expect((await ctx.store.getClient('rp1'))!.metadata).to.deep.equal({ c: 3 });
      expect(await ctx.store.updateClient('nope', {}, at(5))).to.equal(null);
    });

    it('deletes a client once', async function () {
      await ctx.store.createClient(client('rp1'), T0);
      expect(await ctx.store.deleteClient('rp1')).to.equal(true);
      expect(await ctx.store.deleteClient('rp1')).to.equal(false);
      expect(await ctx.store.getClient('rp1')).to.equal(null);
    });

    it('rejects a duplicate client id with a conflict on clientId', async function () {
      await ctx.store.createClient(client('rp1'), T0);
      await expectConflict(ctx.store.createClient(client('rp1', 'p-02'), T0), 'clientId');
    });

    it('returns copies of the metadata', async function () {
      const c = await ctx.store.createClient(client('rp1', 'p-01', { redirect_uris: ['https://a'] }), T0);
      (c.metadata.redirect_uris as string[]).push('https://evil');
      const read = (await ctx.store.getClient('rp1'))!;
      expect(read.metadata).to.deep.equal({ redirect_uris: ['https://a'] });
      read.metadata.extra = true;
      expect((await ctx.store.listClients())[0]!.metadata).to.deep.equal({ redirect_uris: ['https://a'] });
    });
  });
}
