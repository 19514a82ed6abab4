/**
 * The mail outbox. A worker claims a mail by setting `claimedBy` / `claimedUntil` (a lease) in one
 * conditional update, so any node's worker may send it and a crashed worker's mails are re-taken.
 */
import { Schema } from 'mongoose';
import type { MailStatus, OutboxMail } from '../../../src/domain.js';
import {
  copyDate,
  copyDateOrNull,
  nullableDate,
  nullableString,
  orNull,
  requiredDate,
  requiredString,
  schemaOptions,
  type DocOf,
} from './fields.js';

export const MAIL_STATUSES: readonly MailStatus[] = ['pending', 'sending', 'sent', 'failed'];

/**
 * The document: the domain record with its id as `_id`, plus `seq`, a time-ordered id
 * (adapters/mongo/ids.ts) that orders mail of the same instant as SQLite's rowid does — the caller
 * chooses `_id`, so it cannot be that tie-breaker. Mail stored before `seq` existed has none and sorts
 * after newer mail of the same instant.
 */
export type OutboxDoc = DocOf<OutboxMail> & { seq?: string };

export const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: requiredString,
    seq: requiredString,
    to: requiredString,
    subject: requiredString,
    // Sealed by the Mailer; null once the mail is settled (sent or failed for good).
    text: nullableString,
    html: nullableString,
    template: requiredString,
    status: { ...requiredString, enum: MAIL_STATUSES },
    attempts: { type: Number, default: 0, min: 0 },
    nextAttemptAt: requiredDate,
    lastError: nullableString,
    claimedBy: nullableString,
    claimedUntil: nullableDate,
    createdAt: requiredDate,
    sentAt: nullableDate,
  },
  schemaOptions('outbox'),
);
// Due mails, and sending mails whose lease ran out.
outboxSchema.index({ status: 1, nextAttemptAt: 1 });
outboxSchema.index({ status: 1, claimedUntil: 1 });
// The admin list, newest first — of one status, of one recipient, of everything — in index order to
// the tie-breaker; the status index also serves the purge of settled mail past its retention.
// Changing these needs an index migration (adapters/mongo/indexes.ts).
outboxSchema.index({ status: 1, createdAt: -1, seq: -1 });
outboxSchema.index({ to: 1, createdAt: -1, seq: -1 });
outboxSchema.index({ createdAt: -1, seq: -1 });

export const toMail = (doc: OutboxDoc): OutboxMail => ({
  id: doc._id,
  to: doc.to,
  subject: doc.subject,
  text: orNull(doc.text),
  html: orNull(doc.html),
  template: doc.template,
  status: doc.status,
  attempts: doc.attempts ?? 0,
  nextAttemptAt: copyDate(doc.nextAttemptAt),
  lastError: orNull(doc.lastError),
  claimedBy: orNull(doc.claimedBy),
  claimedUntil: copyDateOrNull(doc.claimedUntil),
  createdAt: copyDate(doc.createdAt),
  sentAt: copyDateOrNull(doc.sentAt),
});
