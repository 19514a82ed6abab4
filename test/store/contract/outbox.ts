/**
 * Contract: the mail outbox — leases, single delivery per claim, retries, listing; settling drops the
 * body in the same update, compare-and-set of a body, redaction and the retention purge.
 */
import { expect } from 'chai';
import type { OutboxStore } from '../../../src/store.js';
import { at, expectConflict, mailInput, T0, type ContractContext } from './context.js';

const LEASE = 60_000;

export function outboxContract(ctx: ContractContext<OutboxStore>): void {
  describe('mail outbox', function () {
    it('enqueues mail as pending, due now unless given a later time', async function () {
      const input = mailInput();
      const mail = await ctx.store.enqueueMail(input, T0);
      expect(mail).to.deep.equal({
        ...input,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        lastError: null,
        claimedBy: null,
        claimedUntil: null,
        createdAt: T0,
        sentAt: null,
      });
      const later = await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(100) }), T0);
      expect(later.nextAttemptAt).to.deep.equal(at(100));
      await expectConflict(ctx.store.enqueueMail(input, T0), 'id');
    });

    it('claims only due mail, with a lease, and marks it sent by the claimant only', async function () {
      const due = await ctx.store.enqueueMail(mailInput(), T0);
      await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(100) }), T0);
      const claimed = await ctx.store.claimMail('w1', at(1), LEASE, 10);
      expect(claimed.map((m) => m.id)).to.deep.equal([due.id]);
      expect(claimed[0]).to.deep.include({
        status: 'sending',
        claimedBy: 'w1',
        claimedUntil: new Date(at(1).getTime() + LEASE),
        attempts: 1,
      });
      expect(await ctx.store.claimMail('w2', at(2), LEASE, 10), 'leased mail is not claimable').to.deep.equal(
        [],
      );
      expect(await ctx.store.markMailSent(due.id, 'w2', at(3))).to.equal(false);
      expect(await ctx.store.markMailSent(due.id, 'w1', at(3))).to.equal(true);
      expect(await ctx.store.markMailSent(due.id, 'w1', at(4)), 'only once').to.equal(false);
      const [sent] = (await ctx.store.listMail({ status: 'sent' })).items;
      expect(sent).to.deep.include({ id: due.id, sentAt: at(3), status: 'sent' });
      expect(sent, 'the body goes with the send').to.deep.include({ text: null, html: null });
      expect(sent).to.deep.include({ to: due.to, subject: due.subject, template: due.template, attempts: 1 });
      expect(await ctx.store.markMailSent('missing', 'w1', at(3))).to.equal(false);
    });

    it('claims at most `limit` mails, oldest due first', async function () {
      const first = await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(1) }), T0);
      const second = await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(2) }), T0);
      await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(3) }), T0);
      const claimed = await ctx.store.claimMail('w1', at(10), LEASE, 2);
      expect(claimed.map((m) => m.id)).to.deep.equal([first.id, second.id]);
    });

    it('puts failed mail back to pending at retryAt, then fails it for good with a null retry', async function () {
      const mail = await ctx.store.enqueueMail(mailInput(), T0);
      await ctx.store.claimMail('w1', at(1), LEASE, 10);
      expect(await ctx.store.markMailFailed(mail.id, 'w2', 'not mine', at(200), at(2))).to.equal(false);
      expect(await ctx.store.markMailFailed(mail.id, 'w1', 'connection refused', at(200), at(2))).to.equal(
        true,
      );
      const [pending] = (await ctx.store.listMail({ status: 'pending' })).items;
      expect(pending).to.deep.include({
        id: mail.id,
        lastError: 'connection refused',
        attempts: 1,
        nextAttemptAt: at(200),
        claimedBy: null,
        text: mail.text,
        html: mail.html,
      });
      expect(await ctx.store.claimMail('w1', at(150), LEASE, 10), 'not before retryAt').to.deep.equal([]);
      const [retry] = await ctx.store.claimMail('w1', at(200), LEASE, 10);
      expect(retry!.attempts).to.equal(2);
      expect(await ctx.store.markMailFailed(retry!.id, 'w1', '550 no such user', null, at(201))).to.equal(
        true,
      );
      const failed = await ctx.store.listMail({ status: 'failed' });
      expect(failed.total).to.equal(1);
      expect(failed.items[0]).to.include({ id: mail.id, lastError: '550 no such user', attempts: 2 });
      expect(failed.items[0], 'never to be sent: no body').to.include({ text: null, html: null });
      expect(failed.items[0]).to.include({ to: mail.to, subject: mail.subject, template: mail.template });
      expect(await ctx.store.claimMail('w1', at(100000), LEASE, 10), 'failed is final').to.deep.equal([]);
    });

    it('never gives one mail to two workers claiming concurrently', async function () {
      for (let i = 0; i < 20; i += 1) await ctx.store.enqueueMail(mailInput(), T0);
      const batches = await Promise.all(
        ['a', 'b', 'c', 'd'].map((worker) => ctx.store.claimMail(worker, at(1), LEASE, 8)),
      );
      const ids = batches.flat().map((m) => m.id);
      expect(ids).to.have.length(20);
      expect(new Set(ids).size).to.equal(20);
      for (const [i, worker] of ['a', 'b', 'c', 'd'].entries())
        expect(batches[i]!.every((m) => m.claimedBy === worker)).to.equal(true);
    });

    it('re-takes a sending mail whose lease expired (a crashed worker)', async function () {
      const mail = await ctx.store.enqueueMail(mailInput(), T0);
      await ctx.store.claimMail('crashed', at(1), 1000, 10);
      expect(await ctx.store.claimMail('w2', at(1.5), 1000, 10)).to.deep.equal([]);
      const [retaken] = await ctx.store.claimMail('w2', at(3), 1000, 10);
      expect(retaken).to.deep.include({ id: mail.id, claimedBy: 'w2', attempts: 2, status: 'sending' });
      expect(await ctx.store.markMailSent(mail.id, 'crashed', at(4)), 'the old claim is void').to.equal(
        false,
      );
      expect(await ctx.store.markMailSent(mail.id, 'w2', at(4))).to.equal(true);
    });

    it('lists by status and recipient, newest first, with paging', async function () {
      const old = await ctx.store.enqueueMail(mailInput({ to: 'x@example.jp' }), T0);
      const recent = await ctx.store.enqueueMail(mailInput({ to: 'x@example.jp' }), at(5));
      await ctx.store.enqueueMail(mailInput({ to: 'y@example.jp' }), at(6));
      const ofX = await ctx.store.listMail({ to: 'x@example.jp' });
      expect(ofX.total).to.equal(2);
      expect(ofX.items.map((m) => m.id)).to.deep.equal([recent.id, old.id]);
      const page = await ctx.store.listMail({ offset: 1, limit: 1 });
      expect(page.total).to.equal(3);
      expect(page.items.map((m) => m.id)).to.deep.equal([recent.id]);
      expect((await ctx.store.listMail({ status: 'sent' })).total).to.equal(0);
    });

    it('replaces an unsettled body only while it is still the one read (compare-and-set)', async function () {
      const mail = await ctx.store.enqueueMail(mailInput({ text: 'clear', html: null }), T0);
      const current = { text: 'clear', html: null };
      const next = { text: 'sealed-text', html: 'sealed-html' };
      expect(await ctx.store.replaceMailBody(mail.id, { text: 'other', html: null }, next)).to.equal(false);
      expect(await ctx.store.replaceMailBody('missing', current, next)).to.equal(false);
      expect(await ctx.store.replaceMailBody(mail.id, current, next)).to.equal(true);
      expect(await ctx.store.replaceMailBody(mail.id, current, next), 'only once').to.equal(false);
      const [stored] = (await ctx.store.listMail({ status: 'pending' })).items;
      expect(stored).to.deep.include({ id: mail.id, ...next });

      const [sending] = await ctx.store.claimMail('w1', at(1), LEASE, 10);
      expect(await ctx.store.replaceMailBody(mail.id, next, current), 'while sending').to.equal(true);
      expect(await ctx.store.markMailSent(sending!.id, 'w1', at(2))).to.equal(true);
      expect(
        await ctx.store.replaceMailBody(mail.id, current, next),
        'a settled mail never gets a body back',
      ).to.equal(false);
      expect((await ctx.store.listMail({ status: 'sent' })).items[0]).to.include({ text: null, html: null });
    });

    it('redacts settled mail only, and is a no-op when nothing is left to redact', async function () {
      const pending = await ctx.store.enqueueMail(mailInput(), T0);
      const sent = await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(-1) }), T0);
      await ctx.store.claimMail('w1', at(-1), LEASE, 1);
      await ctx.store.markMailSent(sent.id, 'w1', at(0));
      expect(await ctx.store.redactSettledMail()).to.equal(0);
      const [kept] = (await ctx.store.listMail({ status: 'pending' })).items;
      expect(kept).to.deep.include({ id: pending.id, text: pending.text, html: pending.html });
    });

    it('purges settled mail created before the cut-off and keeps everything else', async function () {
      const settle = async (createdAt: Date, outcome: 'sent' | 'failed') => {
        const mail = await ctx.store.enqueueMail(mailInput(), createdAt);
        const [claimed] = await ctx.store.claimMail('w1', at(10), LEASE, 1);
        expect(claimed!.id).to.equal(mail.id);
        if (outcome === 'sent') await ctx.store.markMailSent(mail.id, 'w1', at(11));
        else await ctx.store.markMailFailed(mail.id, 'w1', '550', null, at(11));
        return mail;
      };
      await settle(at(1), 'sent');
      await settle(at(2), 'failed');
      const recentSent = await settle(at(5), 'sent');
      const recentFailed = await settle(at(6), 'failed');
      const oldPending = await ctx.store.enqueueMail(mailInput({ nextAttemptAt: at(1000) }), at(0));
      const oldSending = await ctx.store.enqueueMail(mailInput(), at(0));
      await ctx.store.claimMail('w2', at(10), LEASE, 1);

      expect(await ctx.store.purgeSettledMail(at(5))).to.equal(2);
      expect(await ctx.store.purgeSettledMail(at(5)), 'idempotent').to.equal(0);
      const left = (await ctx.store.listMail({})).items.map((m) => m.id);
      expect(left).to.have.members([recentSent.id, recentFailed.id, oldPending.id, oldSending.id]);
    });
  });
}
