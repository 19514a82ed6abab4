/**
 * Creating a tenant, for the admin API and the CLI alike: the tenant's namespace (every ID
 * `<tenant>-…`, see policy/namespaces.ts) must not overlap another tenant's, nor hold user or client
 * IDs that already exist, since those belong to someone else.
 */
import type { Clock } from '../clock.js';
import type { Tenant } from '../domain.js';
import { tenantIdProblem } from '../policy/namespaces.js';
import type { TenantPolicy } from '../policy/tenant-policy.js';
import type { AccountStore, ClientStore, TenantStore } from '../store.js';
import type { AuditLog } from './audit.js';

export type TenantCreationCode = 'tenant.namespace_overlap' | 'tenant.namespace_in_use';

export class TenantCreationError extends Error {
  constructor(
    readonly code: TenantCreationCode,
    message: string,
  ) {
    super(message);
    this.name = 'TenantCreationError';
  }
}

export async function createTenant(
  deps: { store: TenantStore & AccountStore & ClientStore; clock: Clock; audit: AuditLog },
  input: { id: string; name: string; supportContact: string; policy: TenantPolicy },
  who: { actor: string; sourceIp?: string | null },
): Promise<Tenant> {
  const { store, clock, audit } = deps;
  const overlap = tenantIdProblem(
    input.id,
    (await store.listTenants()).map((t) => t.id),
  );
  if (overlap) throw new TenantCreationError('tenant.namespace_overlap', overlap.message);
  const prefix = `${input.id}-`;
  const accounts = await store.findAccounts({ userIdPrefix: prefix, limit: 1 });
  const clients = (await store.listClients()).filter((c) => c.clientId.startsWith(prefix));
  if (accounts.total > 0 || clients.length > 0)
    throw new TenantCreationError(
      'tenant.namespace_in_use',
      `user or client IDs starting with ${prefix} already exist, so ${input.id} cannot be a tenant ID`,
    );
  const tenant = await store.createTenant(input, clock.now());
  await audit.record({
    actor: who.actor,
    action: 'tenant.created',
    tenantId: tenant.id,
    sourceIp: who.sourceIp ?? null,
  });
  return tenant;
}
