/** Tenants (one per contracting website) and their policy. */
import { Schema } from 'mongoose';
import type { Tenant } from '../../../src/domain.js';
import {
  parseTenantPolicy,
  tenantPolicySchema,
  type TenantPolicy,
} from '../../../src/policy/tenant-policy.js';
import { copyDate, copyValue, requiredDate, requiredString, schemaOptions } from './fields.js';

export interface TenantDoc {
  _id: string;
  name: string;
  supportContact: string;
  policy: TenantPolicy;
  createdAt: Date;
  updatedAt: Date;
}

export const tenantSchema = new Schema<TenantDoc>(
  {
    _id: requiredString,
    name: requiredString,
    supportContact: requiredString,
    // Validated by zod (tenant-policy.ts) on the way in and out (updates too: runValidators); stored as
    // one sub-document.
    policy: {
      type: Schema.Types.Mixed,
      required: true,
      validate: {
        validator: (policy: unknown) => tenantPolicySchema.safeParse(policy).success,
        message: 'not a valid tenant policy',
      },
    },
    createdAt: requiredDate,
    updatedAt: requiredDate,
  },
  schemaOptions('tenants'),
);

export const toTenant = (doc: TenantDoc): Tenant => ({
  id: doc._id,
  name: doc.name,
  supportContact: doc.supportContact,
  policy: parseTenantPolicy(copyValue(doc.policy)),
  createdAt: copyDate(doc.createdAt),
  updatedAt: copyDate(doc.updatedAt),
});
