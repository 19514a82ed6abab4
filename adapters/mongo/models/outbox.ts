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

/** The document: the domain record with its id as `_id`. */
export type OutboxDoc = DocOf<OutboxMail>;

export const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: requiredString,
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
// Settled mail past its retention.
outboxSchema.index({ status: 1, createdAt: 1 });
// The admin list: newest first, optionally by recipient.
outboxSchema.index({ to: 1, createdAt: -1 });
outboxSchema.index({ createdAt: -1 });

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
