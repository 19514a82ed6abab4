/** Login history (ログイン履歴): one document per attempt, never an array in the account. */
import { Schema } from 'mongoose';
import type { LoginEvent } from '../../../src/domain.js';
import {
  copyDate,
  nullableString,
  orNull,
  requiredDate,
  requiredString,
  schemaOptions,
  type DocOf,
} from './fields.js';

/** The document: the domain record with its id as `_id`. */
export type LoginEventDoc = DocOf<LoginEvent>;

export const loginEventSchema = new Schema<LoginEventDoc>(
  {
    _id: requiredString,
    accountId: nullableString,
    tenantId: nullableString,
    at: requiredDate,
    sourceIp: requiredString,
    result: requiredString,
    clientId: nullableString,
    userAgent: nullableString,
    certSerial: nullableString,
  },
  schemaOptions('login_events'),
);
// History pages (newest first) of an account, of a tenant, and of everything, each in index order to
// the tie-breaker (`_id` is time-ordered: adapters/mongo/ids.ts); the tenant index also serves the
// retention purge per tenant and of events without one. Changing these needs an index migration.
loginEventSchema.index({ accountId: 1, at: -1, _id: -1 });
loginEventSchema.index({ tenantId: 1, at: -1, _id: -1 });
loginEventSchema.index({ at: -1, _id: -1 });

export const toLoginEvent = (doc: LoginEventDoc): LoginEvent => ({
  id: doc._id,
  accountId: orNull(doc.accountId),
  tenantId: orNull(doc.tenantId),
  at: copyDate(doc.at),
  sourceIp: doc.sourceIp,
  result: doc.result,
  clientId: orNull(doc.clientId),
  userAgent: orNull(doc.userAgent),
  certSerial: orNull(doc.certSerial),
});
