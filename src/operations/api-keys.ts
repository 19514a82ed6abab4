/** Admin API keys: for the whole platform or one tenant; only the platform manages them. */
import type { ApiKey } from '../domain.js';
import { newToken, sha256Hex } from '../random.js';
import { requirePlatform, scopedLookups, type Caller } from './caller.js';
import type { OperationDeps } from './deps.js';
import { notFound } from './errors.js';

export function apiKeyOperations(deps: Pick<OperationDeps, 'store' | 'clock' | 'audit'>) {
  const { store, clock, audit } = deps;
  const scoped = scopedLookups(store);
  return {
    /** The key itself is returned here once; the store keeps its SHA-256 only. */
    async create(
      caller: Caller,
      input: { label: string; tenantId: string | null },
    ): Promise<{ apiKey: ApiKey; key: string }> {
      requirePlatform(caller);
      const tenantId = input.tenantId === null ? null : (await scoped.tenant(caller, input.tenantId)).id;
      const key = newToken(32);
      const id = `key-${newToken(6)}`;
      const apiKey = await store.createApiKey(
        { id, keyHash: sha256Hex(key), label: input.label, tenantId },
        clock.now(),
      );
      await audit.record({
        actor: caller.actor,
        action: 'apikey.created',
        tenantId,
        sourceIp: caller.sourceIp ?? null,
        details: { id, label: input.label },
      });
      return { apiKey, key };
    },

    async list(caller: Caller): Promise<ApiKey[]> {
      requirePlatform(caller);
      return store.listApiKeys();
    },

    async revoke(caller: Caller, id: string): Promise<void> {
      requirePlatform(caller);
      // The key's tenant, so the revocation stands in that tenant's audit log beside the key's creation.
      const key = (await store.listApiKeys()).find((k) => k.id === id);
      if (!key || !(await store.revokeApiKey(id, clock.now()))) throw notFound(`active API key ${id}`);
      await audit.record({
        actor: caller.actor,
        action: 'apikey.revoked',
        tenantId: key.tenantId,
        sourceIp: caller.sourceIp ?? null,
        details: { id },
      });
    },
  };
}

export type ApiKeyOperations = ReturnType<typeof apiKeyOperations>;
