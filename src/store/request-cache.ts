/**
 * One read per record per request: a store decorator whose getters for the records a request reads again
 * and again (client, tenant, account, certificate, terminal, oidc-provider's artifacts and Tobira's
 * short-lived state) answer from a cache that lives only while one HTTP request is handled
 * (AsyncLocalStorage), so layers that each need the record (oidc-provider, the binding guard, the login)
 * stay independent without paying a round trip each.
 *
 * Why this is safe: within a request every reader sees one snapshot of a record, taken at its first read.
 * A revocation, lock or consumption by another request landing after that read is treated exactly as if
 * it had arrived just after this request — which the store cannot rule out anyway, since nothing holds
 * a record locked across a request. A write through this store in the same request drops the cached
 * records of what it touches (or all of them, for a write not listed), so a request always reads its own
 * writes. The atomic operations (counters, tickets, consumption) are writes and never answered from here.
 * Outside a request (jobs, CLI, tests' fixtures) and after the request's response, calls pass through.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import { decorateMethods } from './decorate.js';

/**
 * Groups of cached records: a write drops its groups' entries. Artifacts and short-lived state group by
 * model or kind (`oidc:Interaction`): saving a login's state leaves the cached Interaction alone.
 */
type Group = 'client' | 'tenant' | 'account' | 'device' | 'standing' | 'oidc' | `oidc:${string}`;
const byModel = (args: unknown[]): Group => `oidc:${String(args[0])}`;

/** The getters answered from the request's cache, by group. Arguments after the key (`now`) are ignored. */
const CACHED: Record<string, { group: Group | ((args: unknown[]) => Group); keyArgs: number }> = {
  getClient: { group: 'client', keyArgs: 1 },
  getTenant: { group: 'tenant', keyArgs: 1 },
  getAccount: { group: 'account', keyArgs: 1 },
  getAccountByUserId: { group: 'account', keyArgs: 1 },
  getTerminal: { group: 'device', keyArgs: 1 },
  getCertificate: { group: 'device', keyArgs: 1 },
  getCertificateByFingerprint: { group: 'device', keyArgs: 1 },
  // The certificate with its terminal, account and tenant in one read: dropped by a write to any of them.
  findCertificateStanding: { group: 'standing', keyArgs: 1 },
  oidcFind: { group: byModel, keyArgs: 2 },
  oidcFindByUid: { group: byModel, keyArgs: 2 },
  getState: { group: byModel, keyArgs: 2 },
};

/**
 * Writes and the groups they change (`oidc`: every model); a write missing here (and from
 * UNCACHED_WRITES) drops everything.
 */
const WRITES: Record<string, Group[] | ((args: unknown[]) => Group[])> = {
  createClient: ['client'],
  updateClient: ['client'],
  deleteClient: ['client'],
  createTenant: ['tenant'],
  updateTenant: ['tenant'],
  createAccount: ['account'],
  updateAccount: ['account'],
  reserveAttempt: ['account'],
  resetCounter: ['account'],
  lockAccount: ['account'],
  unlockAccount: ['account'],
  advanceTotpStep: ['account'],
  deleteAccount: ['account', 'device'],
  createTerminal: ['device'],
  updateTerminal: ['device'],
  clearExpiredDownloads: ['device'],
  saveIssuedCertificate: ['device'],
  revokeCertificate: ['device'],
  claimExpiryReminder: ['device'],
  oidcUpsert: (args) => [byModel(args)],
  oidcConsume: (args) => [byModel(args)],
  oidcDestroy: (args) => [byModel(args)],
  oidcRevokeByGrantId: ['oidc'],
  oidcPurgeExpired: ['oidc'],
  putState: (args) => [byModel(args)],
  deleteState: (args) => [byModel(args)],
};

/** Writes that touch no cached record: rate limits, the append-only history, tickets, mail. */
const UNCACHED_WRITES = new Set([
  'hitRateLimit',
  'hitRateLimits',
  'addLoginEvent',
  'addAuditEvent',
  'createTicket',
  'consumeTicket',
  'reserveTicketAttempt',
  'invalidateTickets',
  'purgeExpiredTickets',
  'purgeLoginEvents',
  'enqueueMail',
  'claimMail',
  'markMailSent',
  'markMailFailed',
  'replaceMailBody',
  'redactSettledMail',
  'purgeSettledMail',
  'createApiKey',
  'revokeApiKey',
]);

/** Lists and counts (not cached: a page is no record), and the lifecycle. */
const PASS_THROUGH = /^(list|find|count|init$|ping$|close$|backup$)/;

interface Scope {
  open: boolean;
  entries: Map<string, { group: Group; value: Promise<unknown> }>;
}

export class RequestCache {
  readonly #scope = new AsyncLocalStorage<Scope>();

  /** Koa middleware: the requests it wraps read each cached record once. */
  middleware(): Middleware {
    return async (_ctx, next) => {
      const scope: Scope = { open: true, entries: new Map() };
      try {
        await this.#scope.run(scope, next);
      } finally {
        // Work the request started without waiting (background tasks) must not read a stale snapshot.
        scope.open = false;
        scope.entries.clear();
      }
    };
  }

  /** `store` with its getters answered from the current request's cache. */
  wrap<S extends object>(store: S): S {
    const scopeOf = () => {
      const scope = this.#scope.getStore();
      return scope?.open ? scope : undefined;
    };
    return decorateMethods(store, (name, call) =>
      cachedMethod(name, call as (args: unknown[]) => Promise<unknown>, scopeOf),
    );
  }
}

function cachedMethod(
  name: string,
  call: (args: unknown[]) => Promise<unknown>,
  scopeOf: () => Scope | undefined,
): (...args: unknown[]) => unknown {
  const cached = CACHED[name];
  if (cached) {
    return (...args: unknown[]) => {
      const scope = scopeOf();
      if (!scope) return call(args);
      const key = JSON.stringify([name, ...args.slice(0, cached.keyArgs)]);
      let entry = scope.entries.get(key);
      if (!entry) {
        const value = Promise.resolve(call(args));
        const group = typeof cached.group === 'function' ? cached.group(args) : cached.group;
        entry = { group, value };
        scope.entries.set(key, entry);
        // A failed read is not remembered: the next reader tries the store again.
        value.catch(() => scope.entries.get(key) === entry && scope.entries.delete(key));
      }
      // Every reader gets its own copy, as from the store itself (mutating it changes nothing cached).
      return entry.value.then((record) => structuredClone(record));
    };
  }
  if (UNCACHED_WRITES.has(name) || PASS_THROUGH.test(name)) return (...args: unknown[]) => call(args);
  const changes = WRITES[name];
  return (...args: unknown[]) => {
    const scope = scopeOf();
    const groups = typeof changes === 'function' ? changes(args) : changes;
    if (scope) drop(scope, groups);
    const result = call(args);
    // Dropped again once written: a read started meanwhile may have cached the old record.
    return scope ? Promise.resolve(result).finally(() => drop(scope, groups)) : result;
  };
}

function drop(scope: Scope, changed: Group[] | undefined): void {
  if (!changed) return scope.entries.clear();
  const standing = changed.some((g) => g === 'account' || g === 'device' || g === 'tenant');
  const groups: Group[] = standing ? [...changed, 'standing'] : changed;
  const everyModel = groups.includes('oidc');
  for (const [key, entry] of scope.entries)
    if (groups.includes(entry.group) || (everyModel && entry.group.startsWith('oidc:')))
      scope.entries.delete(key);
}
