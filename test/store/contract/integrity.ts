/**
 * Contract: what the MongoDB adapter's audit found (issue 12), held on every store — references that
 * must exist, concurrent certificate issuance, insertion order of same-instant records, and the purge
 * of login events no tenant was known for.
 */
import { expect } from 'chai';
import { sha256Hex } from '../../../src/random.js';
import { StoreError } from '../../../src/store.js';
import {
  at,
  auditEventInput,
  certificateInput,
  concurrently,
  loginEventInput,
  mailInput,
  T0,
  type ContractContext,
} from './context.js';

export function integrityContract(ctx: ContractContext): void {
  describe('integrity (adapter audit)', function () {
    it('refuses an API key limited to a tenant that does not exist, and stores nothing', async function () {
      const outcome = await ctx.store
        .createApiKey({ id: 'k-x', keyHash: sha256Hex('x'), label: 'x', tenantId: 'no-such-tenant' }, T0)
        .then(
          () => expect.fail('an API key of an unknown tenant was stored'),
          (error: unknown) => error,
        );
      expect(outcome).to.be.instanceOf(StoreError).with.property('code', 'store_reference_missing');
      expect(await ctx.store.getApiKeyByHash(sha256Hex('x'))).to.equal(null);
    });

    it('leaves one current certificate and every other on the CRL after concurrent issuances', async function () {
      const { account, terminal } = await ctx.f.owner();
      const first = await ctx.f.issue(account.id, terminal.id);
      const saved = await concurrently(8, () =>
        ctx.store.saveIssuedCertificate(
          { certificate: certificateInput(account.id, terminal.id), pendingDownload: null },
          at(1),
        ),
      );
      const current = (await ctx.store.getTerminal(terminal.id))!.currentCertificateSerial;
      const all = await ctx.store.listCertificates({ terminalId: terminal.id });
      expect(all).to.have.length(9);
      expect(all.filter((c) => c.status === 'active').map((c) => c.serial)).to.deep.equal([current]);
      const crl = (await ctx.store.listRevokedCertificates(at(2))).map((c) => c.serial);
      expect(crl).to.have.members(all.filter((c) => c.serial !== current).map((c) => c.serial));
      // Each superseded certificate is reported by exactly the issuance that marked it (the CRL's cue).
      expect(saved.flatMap((s) => s.superseded)).to.have.members(crl);
      expect(crl).to.include(first.serial);
    });

    it('lists records of the same instant newest-inserted first: history, audit, outbox', async function () {
      const events = [];
      const audits = [];
      const mails = [];
      for (let i = 0; i < 12; i += 1) {
        events.push(
          await ctx.store.addLoginEvent(loginEventInput({ accountId: 'a1', tenantId: 't', at: T0 })),
        );
        audits.push(await ctx.store.addAuditEvent(auditEventInput({ tenantId: 't', at: T0 })));
        mails.push(await ctx.store.enqueueMail(mailInput({ to: 'same@example.jp' }), T0));
      }
      const newestFirst = (records: { id: string }[]) => records.map((r) => r.id).reverse();
      const ids = (page: { items: { id: string }[] }) => page.items.map((r) => r.id);
      expect(ids(await ctx.store.listLoginEvents({ accountId: 'a1' }))).to.deep.equal(newestFirst(events));
      expect(ids(await ctx.store.listLoginEvents({ tenantId: 't', offset: 4, limit: 4 }))).to.deep.equal(
        newestFirst(events).slice(4, 8),
      );
      expect(ids(await ctx.store.listAuditEvents({ tenantId: 't' }))).to.deep.equal(newestFirst(audits));
      expect(ids(await ctx.store.listMail({ to: 'same@example.jp' }))).to.deep.equal(newestFirst(mails));
      expect(ids(await ctx.store.listMail({ status: 'pending' }))).to.deep.equal(newestFirst(mails));
    });

    it('purges login events without a tenant by their own cut-off, leaving tenants’ events', async function () {
      await ctx.store.addLoginEvent(loginEventInput({ tenantId: null, at: at(1) }));
      await ctx.store.addLoginEvent(loginEventInput({ tenantId: null, at: at(3) }));
      await ctx.store.addLoginEvent(loginEventInput({ tenantId: 'p-01', at: at(1) }));
      expect(await ctx.store.purgeLoginEvents(at(2), null)).to.equal(1);
      const left = (await ctx.store.listLoginEvents({})).items;
      expect(left.map((e) => [e.tenantId, e.at])).to.deep.equal([
        [null, at(3)],
        ['p-01', at(1)],
      ]);
    });
  });
}
