/** OIDC clients (relying parties); `_id` is the client_id, so it is unique by construction. */
import { Schema } from 'mongoose';
import type { OidcClientRecord } from '../../../src/domain.js';
import { copyDate, copyValue, requiredDate, requiredString, schemaOptions } from './fields.js';

export interface ClientDoc {
  _id: string;
  tenantId: string;
  metadata: Record<string, unknown>;
  firstParty: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const clientSchema = new Schema<ClientDoc>(
  {
    _id: requiredString,
    tenantId: { ...requiredString, index: true },
    metadata: { type: Schema.Types.Mixed, required: true },
    firstParty: { type: Boolean, required: true },
    createdAt: requiredDate,
    updatedAt: requiredDate,
  },
  schemaOptions('clients'),
);

export const toClient = (doc: ClientDoc): OidcClientRecord => ({
  clientId: doc._id,
  tenantId: doc.tenantId,
  metadata: copyValue(doc.metadata),
  firstParty: doc.firstParty,
  createdAt: copyDate(doc.createdAt),
  updatedAt: copyDate(doc.updatedAt),
});
