/** Terminals (端末): numbered 1, 2, … per account, unique together with the account. */
import { Schema } from 'mongoose';
import type { PendingDownload, Terminal, TerminalType } from '../../../src/domain.js';
import {
  copyDate,
  nullableString,
  orNull,
  requiredDate,
  requiredString,
  schemaOptions,
  type DocOf,
} from './fields.js';

export const TERMINAL_TYPES: readonly TerminalType[] = ['pc', 'mobile', 'smartphone'];

/** The document: the domain record with its id as `_id`. */
export type TerminalDoc = DocOf<Terminal>;

const pendingDownloadSchema = new Schema<PendingDownload>(
  { p12Enc: requiredString, passwordEnc: requiredString, expiresAt: requiredDate },
  { _id: false, id: false },
);

export const terminalSchema = new Schema<TerminalDoc>(
  {
    _id: requiredString,
    accountId: requiredString,
    number: { type: Number, required: true, min: 1 },
    email: requiredString,
    type: { ...requiredString, enum: TERMINAL_TYPES },
    currentCertificateSerial: nullableString,
    pendingDownload: { type: pendingDownloadSchema, default: null },
    deleted: { type: Boolean, default: false },
    createdAt: requiredDate,
    updatedAt: requiredDate,
  },
  schemaOptions('terminals'),
);
terminalSchema.index({ accountId: 1, number: 1 }, { unique: true });
// The retention job's sweep of downloads never taken.
terminalSchema.index({ 'pendingDownload.expiresAt': 1 }, { sparse: true });

export const toTerminal = (doc: TerminalDoc): Terminal => {
  const pending = doc.pendingDownload;
  return {
    id: doc._id,
    accountId: doc.accountId,
    number: doc.number,
    email: doc.email,
    type: doc.type,
    currentCertificateSerial: orNull(doc.currentCertificateSerial),
    pendingDownload: pending
      ? { p12Enc: pending.p12Enc, passwordEnc: pending.passwordEnc, expiresAt: copyDate(pending.expiresAt) }
      : null,
    deleted: doc.deleted ?? false,
    createdAt: copyDate(doc.createdAt),
    updatedAt: copyDate(doc.updatedAt),
  };
};
