/**
 * oidc-provider artifacts (Session, Interaction, Grant, AuthorizationCode, AccessToken, …) and
 * Tobira's own short-lived login state, in one collection. `_id` is `<model>:<id>`; the payload is
 * stored as given, with the fields oidc-provider looks artifacts up by copied beside it.
 */
import { Schema } from 'mongoose';
import type { OidcPayload } from '../../../src/store.js';
import { copyValue, nullableDate, nullableString, requiredString, schemaOptions } from './fields.js';

export interface OidcDoc {
  _id: string;
  model: string;
  payload: OidcPayload;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** null: the artifact does not expire (the TTL monitor ignores documents without a Date here). */
  expiresAt: Date | null;
  consumedAt: Date | null;
}

export const oidcId = (model: string, id: string): string => `${model}:${id}`;

export const oidcSchema = new Schema<OidcDoc>(
  {
    _id: requiredString,
    model: requiredString,
    payload: { type: Schema.Types.Mixed, required: true },
    grantId: nullableString,
    uid: nullableString,
    userCode: nullableString,
    expiresAt: nullableDate,
    consumedAt: nullableDate,
  },
  schemaOptions('oidc'),
);
oidcSchema.index({ grantId: 1 });
oidcSchema.index({ model: 1, uid: 1 });
oidcSchema.index({ model: 1, userCode: 1 });
oidcSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/** The payload as oidc-provider expects it back: `consumed` in epoch seconds once consumed. */
export function toOidcPayload(doc: Pick<OidcDoc, 'payload' | 'consumedAt'>): OidcPayload {
  const payload = copyValue(doc.payload);
  return doc.consumedAt ? { ...payload, consumed: Math.floor(doc.consumedAt.getTime() / 1000) } : payload;
}
