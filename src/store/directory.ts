/** Roles: tenants, the relying parties (OIDC clients) registered to them, and admin API keys. */
import type { ApiKey, OidcClientRecord, Tenant } from '../domain.js';

export type NewTenant = Pick<Tenant, 'id' | 'name' | 'supportContact' | 'policy'>;
export type TenantPatch = Partial<Pick<Tenant, 'name' | 'supportContact' | 'policy'>>;
export type NewOidcClient = Pick<OidcClientRecord, 'clientId' | 'tenantId' | 'metadata' | 'firstParty'>;
/** `tenantId` absent or null: a platform-wide key. */
export type NewApiKey = Pick<ApiKey, 'id' | 'keyHash' | 'label'> & { tenantId?: string | null };

export interface TenantStore {
  createTenant(tenant: NewTenant, now: Date): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  updateTenant(id: string, patch: TenantPatch, now: Date): Promise<Tenant | null>;
}

/** OIDC clients (relying parties). */
export interface ClientStore {
  createClient(client: NewOidcClient, now: Date): Promise<OidcClientRecord>;
  getClient(clientId: string): Promise<OidcClientRecord | null>;
  listClients(tenantId?: string): Promise<OidcClientRecord[]>;
  updateClient(
    clientId: string,
    metadata: Record<string, unknown>,
    now: Date,
  ): Promise<OidcClientRecord | null>;
  deleteClient(clientId: string): Promise<boolean>;
}

export interface ApiKeyStore {
  createApiKey(key: NewApiKey, now: Date): Promise<ApiKey>;
  getApiKeyByHash(keyHash: string): Promise<ApiKey | null>;
  listApiKeys(): Promise<ApiKey[]>;
  revokeApiKey(id: string, now: Date): Promise<boolean>;
}
