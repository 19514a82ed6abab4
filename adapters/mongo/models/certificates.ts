/**
 * Client certificates. `_id` is the serial (unique by construction); the SHA-256 fingerprint is
 * unique too. Certificates outlive their account (kept, revoked) so the CRL stays complete.
 */
import { Schema } from 'mongoose';
import type { Certificate, CertificateStatus } from '../../../src/domain.js';
import type { RevokedCertificate } from '../../../src/store.js';
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

export const CERTIFICATE_STATUSES: readonly CertificateStatus[] = ['active', 'revoked', 'superseded'];

/**
 * The document: the domain record with its id as `_id`, plus the smallest expiry-reminder threshold
 * (days) already claimed, which only the store reads.
 */
export type CertificateDoc = DocOf<Certificate, 'serial'> & { remindedDays?: number | null };

export const certificateSchema = new Schema<CertificateDoc>(
  {
    _id: requiredString,
    accountId: requiredString,
    terminalId: requiredString,
    subjectCn: requiredString,
    fingerprintS256: { ...requiredString, unique: true },
    notBefore: requiredDate,
    notAfter: requiredDate,
    status: { ...requiredString, enum: CERTIFICATE_STATUSES },
    revokedAt: nullableDate,
    revocationReason: nullableString,
    pem: requiredString,
    createdAt: requiredDate,
    remindedDays: { type: Number, default: null },
  },
  schemaOptions('certificates'),
);
certificateSchema.index({ accountId: 1, createdAt: 1 });
certificateSchema.index({ terminalId: 1, createdAt: 1 });
// The CRL: revoked or superseded and not yet expired.
certificateSchema.index({ status: 1, notAfter: 1 });

export const toRevokedCertificate = (
  doc: Pick<CertificateDoc, '_id' | 'revokedAt' | 'revocationReason'>,
): RevokedCertificate => ({
  serial: doc._id,
  revokedAt: copyDateOrNull(doc.revokedAt),
  revocationReason: orNull(doc.revocationReason),
});

export const toCertificate = (doc: CertificateDoc): Certificate => ({
  serial: doc._id,
  accountId: doc.accountId,
  terminalId: doc.terminalId,
  subjectCn: doc.subjectCn,
  fingerprintS256: doc.fingerprintS256,
  notBefore: copyDate(doc.notBefore),
  notAfter: copyDate(doc.notAfter),
  status: doc.status,
  revokedAt: copyDateOrNull(doc.revokedAt),
  revocationReason: orNull(doc.revocationReason),
  pem: doc.pem,
  createdAt: copyDate(doc.createdAt),
});
