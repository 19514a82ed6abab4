/** What happened: login history and audit events within the caller's scope, and the mail outbox. */
import type { AuditEvent, LoginEvent, OutboxMail } from '../domain.js';
import type { Page } from '../store.js';
import type { Paging } from './accounts.js';
import { requirePlatform, scopedLookups, tenantFilter, type Caller } from './caller.js';
import type { OperationDeps } from './deps.js';

export function recordOperations(deps: Pick<OperationDeps, 'store'>) {
  const { store } = deps;
  const scoped = scopedLookups(store);
  return {
    /** Newest first. */
    async loginEvents(caller: Caller, userId: string, paging: Paging): Promise<Page<LoginEvent>> {
      const account = await scoped.account(caller, userId);
      return store.listLoginEvents({ accountId: account.id, offset: paging.offset, limit: paging.limit });
    },

    /** Newest first; a tenant-scoped caller reads its own tenant's events only. */
    auditEvents(
      caller: Caller,
      query: { tenant?: string; account?: string; action?: string } & Paging,
    ): Promise<Page<AuditEvent>> {
      const tenantId = tenantFilter(caller, query.tenant);
      return store.listAuditEvents({
        ...(tenantId ? { tenantId } : {}),
        ...(query.account ? { accountId: query.account } : {}),
        ...(query.action ? { action: query.action } : {}),
        offset: query.offset,
        limit: query.limit,
      });
    },

    /** Mail carries no tenant, so only the platform sees the outbox. */
    async mail(caller: Caller, query: { status?: OutboxMail['status'] } & Paging): Promise<Page<OutboxMail>> {
      requirePlatform(caller);
      return store.listMail({
        ...(query.status ? { status: query.status } : {}),
        offset: query.offset,
        limit: query.limit,
      });
    },
  };
}

export type RecordOperations = ReturnType<typeof recordOperations>;
