/** The audit log: one document per event. */
import { Schema } from 'mongoose';
import type { AuditEvent } from '../../../src/domain.js';
import {
  copyDate,
  copyValue,
  nullableString,
  orNull,
  requiredDate,
  requiredString,
  schemaOptions,
  type DocOf,
} from './fields.js';

/** The document: the domain record with its id as `_id`. */
export type AuditEventDoc = DocOf<AuditEvent>;

export const auditEventSchema = new Schema<AuditEventDoc>(
  {
    _id: requiredString,
    at: requiredDate,
    actor: requiredString,
    action: requiredString,
    tenantId: nullableString,
    accountId: nullableString,
    sourceIp: nullableString,
    details: { type: Schema.Types.Mixed, default: {} },
  },
  schemaOptions('audit_events'),
);
// Audit pages (newest first) by tenant, account, action or of everything, each in index order to the
// tie-breaker (`_id` is time-ordered: adapters/mongo/ids.ts). Changing these needs an index migration.
auditEventSchema.index({ tenantId: 1, at: -1, _id: -1 });
auditEventSchema.index({ accountId: 1, at: -1, _id: -1 });
auditEventSchema.index({ action: 1, at: -1, _id: -1 });
auditEventSchema.index({ at: -1, _id: -1 });

export const toAuditEvent = (doc: AuditEventDoc): AuditEvent => ({
  id: doc._id,
  at: copyDate(doc.at),
  actor: doc.actor,
  action: doc.action,
  tenantId: orNull(doc.tenantId),
  accountId: orNull(doc.accountId),
  sourceIp: orNull(doc.sourceIp),
  details: copyValue(doc.details ?? {}),
});
