/** Locking an account when a failure counter reaches its threshold: the lock and its audit event together. */
import type { Clock } from '../clock.js';
import type { Account, LockReason } from '../domain.js';
import type { CounterStore } from '../store.js';
import type { AuditLog } from './audit.js';

export async function lockAccount(
  deps: { store: CounterStore; clock: Clock; audit: AuditLog },
  account: Pick<Account, 'id' | 'tenantId'>,
  reason: LockReason,
  context: { sourceIp?: string | null; details?: Record<string, unknown> } = {},
): Promise<void> {
  await deps.store.lockAccount(account.id, reason, deps.clock.now());
  await deps.audit.record({
    actor: 'system',
    action: 'account.locked',
    tenantId: account.tenantId,
    accountId: account.id,
    ...(context.sourceIp !== undefined ? { sourceIp: context.sourceIp } : {}),
    details: { reason, ...context.details },
  });
}
