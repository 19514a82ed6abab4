/**
 * The mail outbox of the MongoDB store. Every change is one conditional update: a claim re-checks its
 * filter on the server, and settling a mail (sent, or failed for good) drops its body in that update.
 */
import type { MailStatus, OutboxMail } from '../../src/domain.js';
import type { MailBody, NewMail, Page } from '../../src/store.js';
import { AFTER, MongoBase, defined } from './base.js';
import { timeOrderedId } from './ids.js';
import { toMail, type OutboxDoc } from './models/outbox.js';

/** A settled mail keeps its metadata only. */
const NO_BODY = { text: null, html: null } as const;
const SETTLED: MailStatus[] = ['sent', 'failed'];
const UNSETTLED: MailStatus[] = ['pending', 'sending'];

export abstract class MongoOutbox extends MongoBase {
  enqueueMail(mail: NewMail, now: Date): Promise<OutboxMail> {
    return this.run('outbox', async () => {
      const { id, nextAttemptAt, ...content } = mail;
      const doc = await this.insert(this.m.Outbox, {
        ...content,
        _id: id,
        seq: timeOrderedId(), // creation order, whatever clock `now` comes from
        status: 'pending',
        attempts: 0,
        nextAttemptAt: nextAttemptAt ?? now,
        createdAt: now,
      });
      return toMail(doc);
    });
  }

  /**
   * One `findOneAndUpdate` per mail, each claiming one eligible mail (pending and due, or sending
   * with its lease run out): the filter is re-checked atomically by the server, so two workers never
   * take the same mail. Mails claimed in this call are excluded, even with a lease of 0.
   */
  claimMail(workerId: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMail[]> {
    return this.run('outbox', async () => {
      const claimed: OutboxMail[] = [];
      while (claimed.length < limit) {
        const doc = await this.m.Outbox.findOneAndUpdate(
          {
            _id: { $nin: claimed.map((mail) => mail.id) },
            $or: [
              { status: 'pending', nextAttemptAt: { $lte: now } },
              { status: 'sending', claimedUntil: { $lte: now } },
            ],
          },
          {
            $set: { status: 'sending', claimedBy: workerId, claimedUntil: new Date(now.getTime() + leaseMs) },
            $inc: { attempts: 1 },
          },
          { ...AFTER, sort: { nextAttemptAt: 1, seq: 1 } },
        ).lean<OutboxDoc>();
        if (!doc) break;
        claimed.push(toMail(doc));
      }
      return claimed;
    });
  }

  markMailSent(id: string, workerId: string, now: Date): Promise<boolean> {
    return this.run('outbox', async () => {
      const result = await this.m.Outbox.updateOne(
        { _id: id, status: 'sending', claimedBy: workerId },
        { $set: { status: 'sent', sentAt: now, claimedBy: null, claimedUntil: null, ...NO_BODY } },
      );
      return result.modifiedCount === 1;
    });
  }

  markMailFailed(
    id: string,
    workerId: string,
    error: string,
    retryAt: Date | null,
    _now: Date,
  ): Promise<boolean> {
    return this.run('outbox', async () => {
      const result = await this.m.Outbox.updateOne(
        { _id: id, status: 'sending', claimedBy: workerId },
        {
          $set: {
            status: retryAt ? 'pending' : 'failed',
            lastError: error.slice(0, 1000),
            claimedBy: null,
            claimedUntil: null,
            ...(retryAt ? { nextAttemptAt: retryAt } : NO_BODY),
          },
        },
      );
      return result.modifiedCount === 1;
    });
  }

  listMail(q: {
    status?: OutboxMail['status'];
    to?: string;
    offset?: number;
    limit?: number;
  }): Promise<Page<OutboxMail>> {
    return this.run('outbox', () =>
      this.page<OutboxDoc, OutboxMail>(
        this.m.Outbox,
        defined({ status: q.status, to: q.to }),
        { createdAt: -1, seq: -1 },
        toMail,
        q.offset,
        q.limit,
      ),
    );
  }

  replaceMailBody(id: string, current: MailBody, next: MailBody): Promise<boolean> {
    return this.run('outbox', async () => {
      const result = await this.m.Outbox.updateOne(
        { _id: id, status: { $in: UNSETTLED }, text: current.text },
        { $set: { text: next.text, html: next.html } },
      );
      return result.modifiedCount === 1;
    });
  }

  redactSettledMail(): Promise<number> {
    return this.run('outbox', async () => {
      const result = await this.m.Outbox.updateMany(
        { status: { $in: SETTLED }, $or: [{ text: { $ne: null } }, { html: { $ne: null } }] },
        { $set: NO_BODY },
      );
      return result.modifiedCount;
    });
  }

  purgeSettledMail(before: Date): Promise<number> {
    return this.run('outbox', async () => {
      const result = await this.m.Outbox.deleteMany({ status: { $in: SETTLED }, createdAt: { $lt: before } });
      return result.deletedCount;
    });
  }
}
