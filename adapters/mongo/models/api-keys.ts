/** Admin API keys: only the key's SHA-256 is stored, and it is unique. */
import { Schema } from 'mongoose';
import type { ApiKey } from '../../../src/domain.js';
import {
  copyDate,
  copyDateOrNull,
  nullableDate,
  requiredDate,
  requiredString,
  schemaOptions,
} from './fields.js';

export interface ApiKeyDoc {
  _id: string;
  keyHash: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    _id: requiredString,
    keyHash: { ...requiredString, unique: true },
    label: requiredString,
    createdAt: requiredDate,
    revokedAt: nullableDate,
  },
  schemaOptions('api_keys'),
);

export const toApiKey = (doc: ApiKeyDoc): ApiKey => ({
  id: doc._id,
  keyHash: doc.keyHash,
  label: doc.label,
  createdAt: copyDate(doc.createdAt),
  revokedAt: copyDateOrNull(doc.revokedAt),
});
