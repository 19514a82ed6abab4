/** One-time tickets (links in mails). Only the token's SHA-256 is stored, and it is unique. */
import { Schema } from 'mongoose';
import type { Ticket, TicketPurpose } from '../../../src/domain.js';
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

export const TICKET_PURPOSES: readonly TicketPurpose[] = [
  'enroll',
  'password_reissue',
  'cert_reissue',
  'cert_download',
];

/**
 * MongoDB deletes a ticket this long after it expired — the same week the retention job keeps them
 * (src/services/retention.ts), so a link can still be told "expired" rather than "unknown" meanwhile.
 */
export const TICKET_KEPT_AFTER_EXPIRY_SECONDS = 7 * 86_400;

/** The document: the domain record with its id as `_id`, and the claim of a unit of work. */
export type TicketDoc = DocOf<Ticket> & { claimedUntil?: Date | null };

export const ticketSchema = new Schema<TicketDoc>(
  {
    _id: requiredString,
    purpose: { ...requiredString, enum: TICKET_PURPOSES },
    tokenHash: { ...requiredString, unique: true },
    accountId: requiredString,
    terminalId: nullableString,
    secretHash: nullableString,
    expiresAt: requiredDate,
    usedAt: nullableDate,
    replacedAt: nullableDate,
    failedAttempts: { type: Number, default: 0, min: 0 },
    createdAt: requiredDate,
    // Held by a unit of work in progress (work.ts); not part of the domain record.
    claimedUntil: nullableDate,
  },
  schemaOptions('tickets'),
);
ticketSchema.index({ accountId: 1, purpose: 1 });
ticketSchema.index({ expiresAt: 1 }, { expireAfterSeconds: TICKET_KEPT_AFTER_EXPIRY_SECONDS });

export const toTicket = (doc: TicketDoc): Ticket => ({
  id: doc._id,
  purpose: doc.purpose,
  tokenHash: doc.tokenHash,
  accountId: doc.accountId,
  terminalId: orNull(doc.terminalId),
  secretHash: orNull(doc.secretHash),
  expiresAt: copyDate(doc.expiresAt),
  usedAt: copyDateOrNull(doc.usedAt),
  replacedAt: copyDateOrNull(doc.replacedAt),
  failedAttempts: doc.failedAttempts ?? 0,
  createdAt: copyDate(doc.createdAt),
});
