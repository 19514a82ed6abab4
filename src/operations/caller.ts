/**
 * Who asks for an operation, and the scope checks every area shares: what another tenant owns is
 * `not_found` to a tenant-scoped caller, exactly like what does not exist, so it learns nothing about
 * other tenants.
 */
import type { AccountStore, CertificateStore, TenantStore } from '../store.js';
import { OperationError, notFound } from './errors.js';

export interface Caller {
  /** For audit events: `admin:<key id>`, `cli`. */
  actor: string;
  /** The one tenant the caller may act on, or null for the whole platform. */
  scope: string | null;
  sourceIp?: string | null;
  /**
   * The operator at the server's own shell (the CLI): may give a client an ID outside its tenant's
   * namespace (never inside another tenant's; the registry refuses that for everyone).
   */
  operator?: boolean;
}

/** The CLI: the whole platform, as the operator. */
export const CLI_CALLER: Caller = { actor: 'cli', scope: null, operator: true };

export function requirePlatform(caller: Caller): void {
  if (caller.scope !== null)
    throw new OperationError(
      'platform_only',
      `this API key is limited to tenant ${caller.scope}; this operation needs a platform key`,
    );
}

/** The tenant a listing is limited to: the caller's own whatever it asks for, else what it asks for. */
export const tenantFilter = (caller: Caller, asked: string | undefined) => caller.scope ?? asked;

export const scopedLookups = (store: AccountStore & TenantStore & CertificateStore) => ({
  async account(caller: Caller, userId: string) {
    const account = await store.getAccountByUserId(userId);
    if (!account || (caller.scope !== null && account.tenantId !== caller.scope))
      throw notFound(`account ${userId}`);
    return account;
  },
  async tenant(caller: Caller, id: string) {
    const tenant = caller.scope === null || caller.scope === id ? await store.getTenant(id) : null;
    if (!tenant) throw notFound(`tenant ${id}`);
    return tenant;
  },
  /** Only whether the certificate is the caller's to act on; the caller then acts by serial. */
  async certificate(caller: Caller, serial: string) {
    const certificate = await store.getCertificate(serial);
    const owner = certificate && caller.scope !== null ? await store.getAccount(certificate.accountId) : null;
    if (!certificate || (caller.scope !== null && owner?.tenantId !== caller.scope))
      throw notFound(`certificate ${serial}`);
    return certificate;
  },
});

export type ScopedLookups = ReturnType<typeof scopedLookups>;
