/** Role: the persistent mail outbox (bodies sealed by the Mailer, opaque to the store). */
import type { OutboxMail } from '../domain.js';
import type { Page } from './results.js';

/** A mail's body parts as stored (sealed by the Mailer; opaque to the store). */
export interface MailBody {
  text: string;
  html: string | null;
}
export type NewMail = Pick<OutboxMail, 'id' | 'to' | 'subject' | 'template'> &
  MailBody & {
    nextAttemptAt?: Date;
  };

export interface OutboxStore {
  enqueueMail(mail: NewMail, now: Date): Promise<OutboxMail>;
  /**
   * Claim up to `limit` mails that are `pending` with nextAttemptAt <= now, or `sending` whose claim
   * expired (a crashed worker). Sets status `sending`, claimedBy, claimedUntil = now + leaseMs and
   * increments attempts. Two workers never claim the same mail.
   */
  claimMail(workerId: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMail[]>;
  /** `sent`, and the body dropped in the same update: a delivered mail keeps only its metadata. */
  markMailSent(id: string, workerId: string, now: Date): Promise<boolean>;
  /**
   * Back to `pending` at `retryAt`, or `failed` for good when retryAt is null — then the body is
   * dropped in the same update, as it will never be sent.
   */
  markMailFailed(
    id: string,
    workerId: string,
    error: string,
    retryAt: Date | null,
    now: Date,
  ): Promise<boolean>;
  listMail(query: {
    status?: OutboxMail['status'];
    to?: string;
    offset?: number;
    limit?: number;
  }): Promise<Page<OutboxMail>>;
  /**
   * Compare-and-set of an unsettled mail's body: replaced only while the mail is pending or sending
   * and its text is still `current`, so a body a worker has meanwhile settled is never written back.
   */
  replaceMailBody(id: string, current: MailBody, next: MailBody): Promise<boolean>;
  /** Drop the body of every settled (sent or failed) mail that still has one; returns how many. */
  redactSettledMail(): Promise<number>;
  /** Delete settled (sent or failed) mail created before `before`; returns how many. */
  purgeSettledMail(before: Date): Promise<number>;
}
