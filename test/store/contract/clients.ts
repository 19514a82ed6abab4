/** Contract: OIDC client records (relying parties), each of an existing tenant. */
import { expect } from 'chai';
import type { ClientStore } from '../../../src/store.js';
import { at, expectConflict, T0, type ContractContext } from './context.js';

export function clientContract(ctx: ContractContext<ClientStore>): void {
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
