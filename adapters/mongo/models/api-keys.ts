/** Admin API keys: only the key's SHA-256 is stored, and it is unique. */
import { Schema } from 'mongoose';
import type { ApiKey } from '../../../src/domain.js';
import {
  copyDate,
  copyDateOrNull,
  nullableDate,
  nullableString,
  requiredDate,
  requiredString,
  schemaOptions,
  type DocOf,
} from './fields.js';

/** The document: the domain record with its id as `_id`. */
export type ApiKeyDoc = DocOf<ApiKey>;

export const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    _id: requiredString,
    keyHash: { ...requiredString, unique: true },
    label: requiredString,
    tenantId: nullableString,
    createdAt: requiredDate,
    revokedAt: nullableDate,
  },
  schemaOptions('api_keys'),
);

export const toApiKey = (doc: ApiKeyDoc): ApiKey => ({
  id: doc._id,
  keyHash: doc.keyHash,
  label: doc.label,
  tenantId: doc.tenantId ?? null,
  createdAt: copyDate(doc.createdAt),
  revokedAt: copyDateOrNull(doc.revokedAt),
});
