/** Tenants with their policies: listed within the caller's scope, created and changed by the platform. */
import type { Tenant } from '../domain.js';
import { createTenant } from '../services/tenants.js';
import { requirePlatform, scopedLookups, type Caller } from './caller.js';
import type { OperationDeps } from './deps.js';
import { OperationError, notFound } from './errors.js';
import { mergeSections, parsePolicy } from './tenant-policy.js';

/** Tenant IDs: lower-case letters and digits in hyphen-separated groups (the namespace prefix of its IDs). */
export const TENANT_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const TENANT_ID_HINT = 'lower-case letters and digits with single hyphens, e.g. p-01';

export interface TenantInput {
  id: string;
  name: string;
  supportContact: string;
  /** Partial; defaults fill the rest. */
  policy?: unknown;
}

export interface TenantChange {
  name?: string;
  supportContact?: string;
  /** Merged into the current policy section by section. */
  policy?: Record<string, unknown>;
}

export function tenantOperations(deps: OperationDeps) {
  const { store, clock, audit } = deps;
  const scoped = scopedLookups(store);
  return {
    async list(caller: Caller): Promise<Tenant[]> {
      return (await store.listTenants()).filter((t) => caller.scope === null || t.id === caller.scope);
    },

    show: (caller: Caller, id: string): Promise<Tenant> => scoped.tenant(caller, id),

    async create(caller: Caller, input: TenantInput): Promise<Tenant> {
      requirePlatform(caller);
      if (!TENANT_ID_PATTERN.test(input.id))
        throw new OperationError('tenant.invalid_id', `a tenant ID is ${TENANT_ID_HINT}`);
      return createTenant(
        deps,
        {
          id: input.id,
          name: input.name,
          supportContact: input.supportContact,
          policy: parsePolicy(input.policy ?? {}),
        },
        { actor: caller.actor, sourceIp: caller.sourceIp ?? null },
      );
    },

    /** The policy is the contract between the platform and the website: not the website's to change. */
    async update(caller: Caller, id: string, change: TenantChange): Promise<Tenant> {
      requirePlatform(caller);
      const current = await scoped.tenant(caller, id);
      const policy = change.policy ? parsePolicy(mergeSections(current.policy, change.policy)) : undefined;
      const updated = await store.updateTenant(
        current.id,
        {
          ...(change.name ? { name: change.name } : {}),
          ...(change.supportContact ? { supportContact: change.supportContact } : {}),
          ...(policy ? { policy } : {}),
        },
        clock.now(),
      );
      if (!updated) throw notFound(`tenant ${id}`);
      await audit.record({
        actor: caller.actor,
        action: 'tenant.updated',
        tenantId: current.id,
        sourceIp: caller.sourceIp ?? null,
        details: { fields: Object.keys(change) },
      });
      return updated;
    },
  };
}

export type TenantOperations = ReturnType<typeof tenantOperations>;
