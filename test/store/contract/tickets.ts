/** Contract: one-time tickets — lookup, single use, attempt limits, invalidation, purge. */
import { expect } from 'chai';
import type { TicketStore } from '../../../src/store.js';
import { at, concurrently, expectConflict, T0, ticketInput, type ContractContext } from './context.js';

export function ticketContract(ctx: ContractContext<TicketStore>): void {
  describe('one-time tickets', function () {
    let accountId: string;
    beforeEach(async function () {
      const { account } = await ctx.f.owner();
      accountId = account.id;
    });

    it('creates a ticket unused with no failures and finds it by token hash; missing → null', async function () {
      const input = ticketInput(accountId, {
        secretHash: 'argon',
        purpose: 'cert_download',
        terminalId: 'term',
      });
      const ticket = await ctx.store.createTicket(input, at(1));
      expect(ticket).to.deep.equal({
        ...input,
        usedAt: null,
        replacedAt: null,
        failedAttempts: 0,
        createdAt: at(1),
      });
      expect(await ctx.store.getTicketByTokenHash(input.tokenHash)).to.deep.equal(ticket);
      expect(await ctx.store.getTicketByTokenHash('nope')).to.equal(null);
    });

    it('rejects a duplicate token hash with a conflict on tokenHash', async function () {
      const ticket = await ctx.store.createTicket(ticketInput(accountId), T0);
      await expectConflict(
        ctx.store.createTicket(ticketInput(accountId, { tokenHash: ticket.tokenHash }), T0),
        'tokenHash',
      );
    });

    // The concurrency tests here race only on an asynchronous driver (MongoDB): SQLite runs them one
    // after another. test/store/races.ts races them from several processes on one store.
    it('is consumed by exactly one of 20 concurrent callers', async function () {
      const ticket = await ctx.store.createTicket(ticketInput(accountId), T0);
      const results = await concurrently(20, () => ctx.store.consumeTicket(ticket.id, at(1)));
      expect(results.filter(Boolean)).to.have.length(1);
      expect((await ctx.store.getTicketByTokenHash(ticket.tokenHash))!.usedAt).to.deep.equal(at(1));
      expect(await ctx.store.consumeTicket(ticket.id, at(2))).to.equal(false);
      expect(await ctx.store.consumeTicket('missing', at(2))).to.equal(false);
    });

    it('cannot be consumed once expired (at expiresAt or later)', async function () {
      const ticket = await ctx.store.createTicket(ticketInput(accountId, { expiresAt: at(60) }), T0);
      expect(await ctx.store.consumeTicket(ticket.id, at(60))).to.equal(false);
      expect(await ctx.store.consumeTicket(ticket.id, at(61))).to.equal(false);
      expect((await ctx.store.getTicketByTokenHash(ticket.tokenHash))!.usedAt).to.equal(null);
    });

    it('limits attempts on the ticket itself, atomically', async function () {
      const ticket = await ctx.store.createTicket(ticketInput(accountId), T0);
      const tries = await concurrently(10, () => ctx.store.reserveTicketAttempt(ticket.id, 3));
      const granted = tries.filter((r): r is { ok: true; count: number } => r.ok);
      expect(granted.map((r) => r.count).sort()).to.deep.equal([1, 2, 3]);
      expect((await ctx.store.getTicketByTokenHash(ticket.tokenHash))!.failedAttempts).to.equal(3);
      expect(await ctx.store.reserveTicketAttempt('missing', 3)).to.deep.equal({ ok: false });
    });

    it('refuses attempts on a used ticket', async function () {
      const ticket = await ctx.store.createTicket(ticketInput(accountId), T0);
      await ctx.store.consumeTicket(ticket.id, at(1));
      expect(await ctx.store.reserveTicketAttempt(ticket.id, 3)).to.deep.equal({ ok: false });
    });

    it('invalidates the unused, unexpired tickets of one account and purpose', async function () {
      const other = (await ctx.f.account((await ctx.f.tenant()).id)).id;
      const a = await ctx.store.createTicket(ticketInput(accountId), T0);
      const b = await ctx.store.createTicket(ticketInput(accountId), T0);
      const used = await ctx.store.createTicket(ticketInput(accountId), T0);
      await ctx.store.consumeTicket(used.id, at(1));
      await ctx.store.createTicket(ticketInput(accountId, { expiresAt: at(5) }), T0);
      const download = await ctx.store.createTicket(ticketInput(accountId, { purpose: 'cert_download' }), T0);
      const elsewhere = await ctx.store.createTicket(ticketInput(other), T0);
      expect(await ctx.store.invalidateTickets(accountId, 'enroll', at(10))).to.equal(2);
      expect(await ctx.store.consumeTicket(a.id, at(11))).to.equal(false);
      expect(await ctx.store.consumeTicket(b.id, at(11))).to.equal(false);
      expect(await ctx.store.consumeTicket(download.id, at(11)), 'other purposes untouched').to.equal(true);
      expect(await ctx.store.consumeTicket(elsewhere.id, at(11)), 'other accounts untouched').to.equal(true);
      expect((await ctx.store.getTicketByTokenHash(used.tokenHash))!.usedAt).to.deep.equal(at(1));
      expect((await ctx.store.getTicketByTokenHash(a.tokenHash))!, 'marked replaced').to.deep.include({
        replacedAt: at(10),
        expiresAt: at(10),
      });
      expect(
        (await ctx.store.getTicketByTokenHash(used.tokenHash))!.replacedAt,
        'a used one is not',
      ).to.equal(null);
      expect((await ctx.store.getTicketByTokenHash(download.tokenHash))!.replacedAt).to.equal(null);
      expect(await ctx.store.invalidateTickets(accountId, 'enroll', at(12))).to.equal(0);
    });

    it('purges tickets that expired before the given instant', async function () {
      const early = await ctx.store.createTicket(ticketInput(accountId, { expiresAt: at(30) }), T0);
      const late = await ctx.store.createTicket(ticketInput(accountId, { expiresAt: at(600) }), T0);
      expect(await ctx.store.purgeExpiredTickets(at(30))).to.equal(0);
      expect(await ctx.store.purgeExpiredTickets(at(31))).to.equal(1);
      expect(await ctx.store.getTicketByTokenHash(early.tokenHash)).to.equal(null);
      expect(await ctx.store.getTicketByTokenHash(late.tokenHash)).to.not.equal(null);
    });

    it('returns copies: mutating a returned ticket changes nothing stored', async function () {
      const ticket = await ctx.store.createTicket(ticketInput(accountId, { expiresAt: at(60) }), T0);
      ticket.expiresAt.setTime(0);
      ticket.failedAttempts = 9;
      const read = (await ctx.store.getTicketByTokenHash(ticket.tokenHash))!;
      expect(read.expiresAt).to.deep.equal(at(60));
      expect(read.failedAttempts).to.equal(0);
    });
  });
}
