/** Contract: commitWork — the writes of a multi-step use case applied whole, or refused with nothing written. */
import { expect } from 'chai';
import { newId } from '../../../src/random.js';
import {
  StoreConflictError,
  type AccountStore,
  type CertificateStore,
  type OutboxStore,
  type TerminalStore,
  type TicketStore,
  type WorkStore,
  type WorkUnit,
} from '../../../src/store.js';
import {
  at,
  certificateInput,
  concurrently,
  mailInput,
  T0,
  ticketInput,
  type ContractContext,
} from './context.js';

/** The roles a unit writes through, read here to see what it wrote (or that it wrote nothing). */
type WrittenRoles = AccountStore & TerminalStore & TicketStore & CertificateStore & OutboxStore;

/** What the unit may have written for the account: certificates, download tickets, mail to it. */
async function written(store: WrittenRoles, accountId: string, mailTo: string) {
  return {
    certificates: (await store.listCertificates({ accountId })).length,
    mails: (await store.listMail({ to: mailTo })).total,
    terminals: (await store.listTerminals(accountId)).length,
  };
}

export function workContract(ctx: ContractContext<WorkStore & WrittenRoles>): void {
  describe('units of work', function () {
    let accountId: string;
    let ticketId: string;
    let unit: WorkUnit;
    const to = 'work@example.jp';

    beforeEach(async function () {
      const tenant = await ctx.f.tenant();
      const account = await ctx.f.account(tenant.id, { status: 'pending' });
      accountId = account.id;
      ticketId = (await ctx.store.createTicket(ticketInput(accountId), T0)).id;
      const terminalId = newId();
      const download = ticketInput(accountId, { purpose: 'cert_download', terminalId });
      unit = {
        ticketId,
        account: { id: accountId, whileStatus: 'pending', patch: { status: 'active', passwordHash: 'h' } },
        terminal: { id: terminalId, accountId, email: to, type: 'pc', number: 1 },
        certificates: [{ certificate: certificateInput(accountId, terminalId), pendingDownload: null }],
        tickets: [download],
        mails: [mailInput({ to })],
      };
    });

    it('applies every write: ticket consumed, account patched, terminal, certificate, ticket, mail', async function () {
      const done = await ctx.store.commitWork(unit, at(1));
      expect(done, 'a new terminal’s certificate supersedes nothing').to.deep.equal({ superseded: [] });
      const account = (await ctx.store.getAccount(accountId))!;
      expect(account).to.include({ status: 'active', passwordHash: 'h' });
      expect(await ctx.store.consumeTicket(ticketId, at(2)), 'consumed by the unit').to.equal(false);
      const terminal = (await ctx.store.getTerminal(unit.terminal!.id))!;
      expect(terminal).to.include({ number: 1, email: to });
      expect(terminal.currentCertificateSerial).to.equal(unit.certificates![0]!.certificate.serial);
      expect(await ctx.store.getTicketByTokenHash(unit.tickets![0]!.tokenHash)).to.not.equal(null);
      expect(await written(ctx.store, accountId, to)).to.deep.equal({
        certificates: 1,
        mails: 1,
        terminals: 1,
      });
    });

    it('writes nothing for a used or expired ticket', async function () {
      await ctx.store.consumeTicket(ticketId, at(1));
      expect(await ctx.store.commitWork(unit, at(2))).to.equal(false);
      const expired = (await ctx.store.createTicket(ticketInput(accountId, { expiresAt: at(5) }), T0)).id;
      expect(await ctx.store.commitWork({ ...unit, ticketId: expired }, at(5))).to.equal(false);
      expect((await ctx.store.getAccount(accountId))!.status).to.equal('pending');
      expect(await written(ctx.store, accountId, to)).to.deep.equal({
        certificates: 0,
        mails: 0,
        terminals: 0,
      });
    });

    it('writes nothing, and leaves the ticket usable, while the account has another status', async function () {
      await ctx.store.updateAccount(accountId, { status: 'locked' }, T0);
      expect(await ctx.store.commitWork(unit, at(1))).to.equal(false);
      expect(await written(ctx.store, accountId, to)).to.deep.equal({
        certificates: 0,
        mails: 0,
        terminals: 0,
      });
      expect(await ctx.store.consumeTicket(ticketId, at(2))).to.equal(true);
    });

    it('refuses a terminal number already taken with a conflict on number, writing nothing', async function () {
      await ctx.f.terminal(accountId);
      const error = await ctx.store.commitWork(unit, at(1)).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(StoreConflictError).with.property('field', 'number');
      expect((await ctx.store.getAccount(accountId))!.status).to.equal('pending');
      expect(await written(ctx.store, accountId, to)).to.deep.equal({
        certificates: 0,
        mails: 0,
        terminals: 1,
      });
      expect(
        await ctx.store.commitWork({ ...unit, terminal: { ...unit.terminal!, number: 2 } }, at(2)),
      ).to.deep.equal({ superseded: [] });
    });

    it('reports the certificates its issuances superseded (the CRL must list them)', async function () {
      const { account, terminal } = await ctx.f.owner();
      const first = await ctx.f.issue(account.id, terminal.id);
      const fresh = await ctx.f.terminal(account.id);
      const reissue = (terminalId: string) => ({
        certificate: certificateInput(account.id, terminalId),
        pendingDownload: null,
      });
      const done = await ctx.store.commitWork(
        { certificates: [reissue(terminal.id), reissue(fresh.id)] },
        at(1),
      );
      expect(done).to.deep.equal({ superseded: [first.serial] });
      expect((await ctx.store.getCertificate(first.serial))!.status).to.equal('superseded');
    });

    it('lets exactly one of 5 concurrent units redeem one ticket', async function () {
      let n = 0;
      const results = await concurrently(5, () => {
        n += 1;
        const terminal = { ...unit.terminal!, id: newId(), email: `w${n}@example.jp` };
        return ctx.store.commitWork({ ticketId, terminal: { ...terminal, number: n } }, at(1));
      });
      expect(results.filter(Boolean)).to.have.length(1);
      expect(await ctx.store.listTerminals(accountId)).to.have.length(1);
    });
  });
}
