/** Tenants (one per contracting website) and their policy. */
import { Schema } from 'mongoose';
import type { Tenant } from '../../../src/domain.js';
import {
  parseTenantPolicy,
  tenantPolicySchema,
  type TenantPolicy,
} from '../../../src/policy/tenant-policy.js';
import { parseOnce } from '../../../src/store/parse-memo.js';
import { copyDate, requiredDate, requiredString, schemaOptions } from './fields.js';

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

/** Parsed once per stored policy (the schema parse costs more than the read); plain JSON, so keyed by its text. */
const tenantPolicy = parseOnce((text) => parseTenantPolicy(JSON.parse(text)));

export const toTenant = (doc: TenantDoc): Tenant => ({
  id: doc._id,
  name: doc.name,
  supportContact: doc.supportContact,
  policy: tenantPolicy(JSON.stringify(doc.policy ?? {})),
  createdAt: copyDate(doc.createdAt),
  updatedAt: copyDate(doc.updatedAt),
});
