/** Contract: the audit log — newest first, filtered, paged. */
import { expect } from 'chai';
import type { AuditStore } from '../../../src/store.js';
import { at, auditEventInput, T0, type ContractContext } from './context.js';

export function auditContract(ctx: ContractContext<AuditStore>): void {
  describe('audit log', function () {
    beforeEach(async function () {
      await ctx.store.addAuditEvent(
        auditEventInput({
          at: at(1),
          actor: 'admin:k1',
          action: 'account.unlocked',
          tenantId: 'p-01',
          accountId: 'a1',
          sourceIp: '10.0.0.1',
          details: { reason: 'call', nested: { n: 1 } },
        }),
      );
      await ctx.store.addAuditEvent(auditEventInput({ at: at(2), tenantId: 'p-01', accountId: 'a1' }));
      await ctx.store.addAuditEvent(auditEventInput({ at: at(3), tenantId: 'p-02', accountId: 'b1' }));
    });

    it('returns the stored event with a new id and its details', async function () {
      const input = auditEventInput({ details: { list: [1, 2] } });
      const event = await ctx.store.addAuditEvent(input);
      expect(event).to.deep.equal({ ...input, id: event.id });
      event.details.list = 'mutated';
      const read = (await ctx.store.listAuditEvents({ since: T0 })).items.find((e) => e.id === event.id)!;
      expect(read.details).to.deep.equal({ list: [1, 2] });
    });

    it('lists newest first and filters by tenant, account, action and since, with paging', async function () {
      const all = await ctx.store.listAuditEvents({});
      expect(all.total).to.equal(3);
      expect(all.items.map((e) => e.at)).to.deep.equal([at(3), at(2), at(1)]);
      const ofTenant = await ctx.store.listAuditEvents({ tenantId: 'p-01' });
      expect(ofTenant.items.map((e) => e.action)).to.deep.equal(['account.locked', 'account.unlocked']);
      expect(ofTenant.items[1]!.details).to.deep.equal({ reason: 'call', nested: { n: 1 } });
      expect((await ctx.store.listAuditEvents({ accountId: 'b1' })).total).to.equal(1);
      const unlocked = await ctx.store.listAuditEvents({ action: 'account.unlocked' });
      expect(unlocked.items.map((e) => e.actor)).to.deep.equal(['admin:k1']);
      expect((await ctx.store.listAuditEvents({ since: at(2) })).total).to.equal(2);
      const page = await ctx.store.listAuditEvents({ offset: 1, limit: 1 });
      expect(page.total).to.equal(3);
      expect(page.items.map((e) => e.at)).to.deep.equal([at(2)]);
    });
  });
}
