/** Rate-limit buckets (one per fixed window), shared by every node; `_id` is the bucket key. */
import { Schema } from 'mongoose';
import { requiredDate, requiredString, schemaOptions } from './fields.js';

export interface RateLimitDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

export const rateLimitSchema = new Schema<RateLimitDoc>(
  { _id: requiredString, count: { type: Number, required: true, min: 0 }, expiresAt: requiredDate },
  schemaOptions('rate_limits'),
);
// MongoDB's TTL monitor deletes a bucket once its window ended (within about a minute; the store
// also restarts an expired bucket itself, so the count is right in between).
rateLimitSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
