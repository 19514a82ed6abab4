/**
 * Tenant namespaces (SPEC §1): tenant `p-01` owns every ID `p-01-<local part>` — its user IDs and
 * its relying parties' client IDs. Those IDs are unique platform-wide, so two namespaces must never
 * overlap: no tenant ID may be another's prefix followed by a hyphen (tenant `p` would own
 * `p-01-usr012` as well as tenant `p-01`). Where overlapping tenants exist from before this rule, an
 * ID belongs to the most specific one.
 */
export type IdKind = 'user' | 'client';

export type NamespaceProblem =
  | { kind: 'format'; message: string }
  /** The ID lies in another tenant's namespace (that tenant is not named: it may be none of the caller's business). */
  | { kind: 'other_tenant'; message: string }
  | { kind: 'overlap'; message: string; tenantId: string };

const RULES: Record<IdKind, { label: string; local: RegExp; max: number; hint: string }> = {
  user: {
    label: 'user ID',
    local: /^[a-z0-9][a-z0-9-]*$/,
    max: 64,
    hint: 'usr001 (lower-case letters, digits, hyphens; 64 characters at most)',
  },
  client: {
    label: 'client ID',
    local: /^[A-Za-z0-9._-]+$/,
    max: 100,
    hint: 'web (letters, digits, dots, underscores, hyphens; 100 characters at most)',
  },
};

/** Whether two tenant IDs claim some ID in common. */
export const namespacesOverlap = (a: string, b: string): boolean =>
  a === b || a.startsWith(`${b}-`) || b.startsWith(`${a}-`);

/** The tenant whose namespace holds `id`: the longest tenant ID that prefixes it, or null. */
export function namespaceOwner(id: string, tenantIds: Iterable<string>): string | null {
  let owner: string | null = null;
  for (const t of tenantIds)
    if (id.startsWith(`${t}-`) && (owner === null || t.length > owner.length)) owner = t;
  return owner;
}

/** Why tenant `tenantId` may not create the user or client ID `id`, or null when it may. */
export function idProblem(
  kind: IdKind,
  id: string,
  tenantId: string,
  tenantIds: Iterable<string>,
): NamespaceProblem | null {
  const rule = RULES[kind];
  const local = id.slice(tenantId.length + 1);
  if (!id.startsWith(`${tenantId}-`) || id.length > rule.max || !rule.local.test(local))
    return {
      kind: 'format',
      message: `${rule.label}s of tenant ${tenantId} look like ${tenantId}-${rule.hint}`,
    };
  const owner = namespaceOwner(id, tenantIds);
  if (owner !== null && owner !== tenantId)
    return { kind: 'other_tenant', message: `the ${rule.label} ${id} lies in another tenant's namespace` };
  return null;
}

/** Why a new tenant `id` would share IDs with an existing tenant, or null. */
export function tenantIdProblem(id: string, tenantIds: Iterable<string>): NamespaceProblem | null {
  for (const other of tenantIds)
    if (other !== id && namespacesOverlap(id, other))
      return {
        kind: 'overlap',
        tenantId: other,
        message: `tenant ${id} would share user and client IDs with tenant ${other}: a tenant ID must not be another's prefix followed by a hyphen`,
      };
  return null;
}
