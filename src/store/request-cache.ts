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
 *
 * Across requests: the records a token request needs (the client, the certificate standing, the access
 * or refresh token, the grant, the session binding) are also kept in this process between requests,
 * valid only while the store's security epoch (epoch.ts) stays where it was when they were read. Each
 * request that needs one reads the epoch once (one small read instead of five); when it moved (a
 * revocation, lock, deletion, logout, consumption… by any process) everything kept is dropped. A write
 * through this store drops them at once too. Misses are never kept, and an artifact's expiry is checked
 * against the request's clock on every use.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import type { RequestIdCarrier } from '../http/request-id.js';
import { decorateMethods, type MethodCall, type MethodWrap } from './decorate.js';
import { copyOf, deepFreeze } from './kept-copies.js';
import { CACHED, PASS_THROUGH, SHARED, WRITES, type Group } from './cached-methods.js';
import {
  MODEL_WRITES,
  UNCACHED_WRITES,
  UPSERTS,
  SHARED_MODELS,
  bumpsSecurityEpoch,
  type SecurityEpochStore,
} from './epoch.js';

/** Kept across requests at most (tokens come and go): past it the process starts over. */
const SHARED_LIMIT = 10_000;
/**
 * A backstop, not the mechanism: a record kept without an expiry of its own (a client, a standing) is
 * read again after this long even if the epoch stood still — bounding the harm of an epoch that failed
 * to move (on MongoDB the bump is a write of its own after the change; a crash or outage between the
 * two leaves it where it was).
 */
export const KEPT_MAX_MS = 30_000;

/** A record read in this request: pending (`value`), then `settled` with what the store answered. */
interface Entry {
  group: Group;
  value?: Promise<unknown>;
  settled?: { record: unknown };
}

interface Scope {
  open: boolean;
  entries: Map<string, Entry>;
  /** The security epoch as this request read it (once, when it first needed a kept record)… */
  epoch?: Promise<number>;
  /** …and its value once read (at once from a synchronous store: no promise step). */
  epochValue?: number;
  /** The request's id (request-id.ts), carried in this one context; kept after the response. */
  requestId?: string;
}

/** Records kept across requests, valid for `epoch` (undefined: not known, nothing is kept). */
interface Shared {
  epoch: number | undefined;
  entries: Map<string, { value: unknown; expiresAt: number }>;
  /** The keys of the kept Session records, by session id (`jti`): a session is also found by uid. */
  sessions: Map<string, string[]>;
}

function clearShared(shared: Shared): void {
  shared.entries.clear();
  shared.sessions.clear();
}

export class RequestCache implements RequestIdCarrier {
  /** The request being handled (its Koa context, which holds its scope under this cache's key). */
  readonly #contexts: AsyncLocalStorage<object>;
  readonly #key = Symbol('request cache scope');
  readonly #shared: Shared = { epoch: undefined, entries: new Map(), sessions: new Map() };
  readonly #count: (outcome: 'hit' | 'miss') => void;
  readonly #maxAgeMs: number;

  /**
   * `count`: each read of a record that may be kept across requests, answered from memory or not;
   * `keptMaxMs`: the backstop age of a kept record without an expiry of its own (KEPT_MAX_MS);
   * `contexts`: an AsyncLocalStorage that carries the request's Koa context — oidc-provider's own
   * (provider-context.ts), so that the process runs one storage, not two: on Node 20 every storage
   * ever run is copied onto every promise the process creates. Default: one of the cache's own.
   */
  constructor(
    options: {
      count?: (outcome: 'hit' | 'miss') => void;
      keptMaxMs?: number;
      contexts?: AsyncLocalStorage<object>;
    } = {},
  ) {
    this.#count = options.count ?? (() => undefined);
    this.#maxAgeMs = options.keptMaxMs ?? KEPT_MAX_MS;
    this.#contexts = options.contexts ?? new AsyncLocalStorage<object>();
  }

  /** Koa middleware: the requests it wraps read each cached record once. */
  middleware(): Middleware {
    return (ctx, next) => this.run(ctx, next);
  }

  /** Runs `rest` (the rest of the request whose Koa context is `ctx`) reading each cached record once. */
  run(ctx: object, rest: () => Promise<unknown>): Promise<void> {
    const scope: Scope = { open: true, entries: new Map() };
    (ctx as Record<symbol, Scope>)[this.#key] = scope;
    // Work the request started without waiting (background tasks) must not read a stale snapshot.
    const close = () => {
      scope.open = false;
      scope.entries.clear();
    };
    // One promise step, not an async function's (each costs every request its async hooks).
    return this.#contexts.run(ctx, rest).then(close, (error: unknown) => {
      close();
      throw error;
    });
  }

  #current(): Scope | undefined {
    const ctx = this.#contexts.getStore() as Record<symbol, Scope | undefined> | undefined;
    return ctx?.[this.#key];
  }

  carryRequestId(id: string): boolean {
    const scope = this.#current();
    if (scope) scope.requestId = id;
    return scope !== undefined;
  }

  carriedRequestId(): string | undefined {
    return this.#current()?.requestId;
  }

  /**
   * `store` with its getters answered from the current request's cache; `under`: a layer of every call
   * beneath the cache's (the call counter, instrumented.ts), in the same Proxy — called when the store is.
   */
  wrap<S extends object>(store: S, under?: MethodWrap): S {
    const scopeOf = () => {
      const scope = this.#current();
      return scope?.open ? scope : undefined;
    };
    const epochStore = store as Partial<SecurityEpochStore>;
    const shared = typeof epochStore.getSecurityEpoch === 'function' ? this.#shared : undefined;
    const layer = (name: string, call: MethodCall): MethodCall => (under ? under(name, call) : call);
    const readEpoch = shared && layer('getSecurityEpoch', () => epochStore.getSecurityEpoch!());
    const settle = (scope: Scope, epoch: number): number => {
      if (shared && epoch !== shared.epoch) {
        clearShared(shared);
        shared.epoch = epoch;
      }
      return (scope.epochValue = epoch);
    };
    // Once per request; a synchronous store's answer is used at once (SQLite: no promise step).
    const epochOf = (scope: Scope): number | Promise<number> => {
      if (scope.epochValue !== undefined) return scope.epochValue;
      if (scope.epoch) return scope.epoch;
      const read = readEpoch!([]) as number | Promise<number>;
      return typeof read === 'number'
        ? settle(scope, read)
        : (scope.epoch = Promise.resolve(read).then((epoch) => settle(scope, epoch)));
    };
    const count = this.#count;
    const maxAgeMs = this.#maxAgeMs;
    return decorateMethods(store, (name, call) =>
      cachedMethod(
        name,
        layer(name, call) as (args: unknown[]) => Promise<unknown>,
        scopeOf,
        shared && { shared, epochOf, count, maxAgeMs },
      ),
    );
  }
}

/** What reads across requests need: the kept records, this request's epoch, the hit/miss count. */
interface Across {
  shared: Shared;
  /** The request's epoch: read once, a number from a synchronous store (it may throw), else a promise. */
  epochOf: (scope: Scope) => number | Promise<number>;
  count: (outcome: 'hit' | 'miss') => void;
  maxAgeMs: number;
}

/** A kept record still valid for this request (the epoch it read, the clock it runs at), else undefined. */
function keptFor(shared: Shared, scope: Scope, key: string, now: number): { value: unknown } | undefined {
  if (scope.epochValue === undefined || shared.epoch !== scope.epochValue) return undefined;
  const kept = shared.entries.get(key);
  return kept && now < kept.expiresAt ? kept : undefined;
}

/**
 * No refresh token has the id of an access token this request found: both are oidc-provider's random
 * 256-bit ids. Introspection and revocation without a `token_type_hint` look a token up as both at once
 * (and take the access token when both are found), so the refresh token's read is answered here
 * instead of by a store read that misses on every such request. Nothing is kept.
 */
function namedByAccessToken(scope: Scope, name: string, args: unknown[]): { value: null } | undefined {
  if (name !== 'oidcFind' || args[0] !== 'RefreshToken') return undefined;
  const accessToken = scope.entries.get(keyOf('oidcFind', ['AccessToken', args[1]], 2));
  return accessToken?.settled?.record != null ? { value: null } : undefined;
}

/** A read answered from the records kept across requests when the epoch allows, else from the store. */
function sharedRead(
  kind: 'record' | 'frozen' | 'expiring',
  key: string,
  args: unknown[],
  call: (args: unknown[]) => Promise<unknown>,
  scope: Scope,
  across: Across,
): Promise<unknown> {
  const { shared } = across;
  const now = nowOf(kind, args);
  return new Promise<number>((resolve) => resolve(across.epochOf(scope))).then(async (epoch) => {
    const kept = shared.entries.get(key);
    if (kept && shared.epoch === epoch && now < kept.expiresAt) {
      across.count('hit');
      return kept.value;
    }
    across.count('miss');
    const record = kind === 'frozen' ? deepFreeze(await call(args)) : await call(args);
    const exp = kind === 'expiring' ? (record as { exp?: unknown } | null)?.exp : undefined;
    const expiresAt =
      kind !== 'expiring' ? now + across.maxAgeMs : typeof exp === 'number' ? exp * 1000 : -Infinity;
    // Kept only if nothing moved the epoch meanwhile; never a miss, never without an expiry to check.
    if (record != null && shared.epoch === epoch && now < expiresAt) {
      if (kind === 'expiring') freezeIfFlat(record);
      if (shared.entries.size >= SHARED_LIMIT) clearShared(shared);
      shared.entries.set(key, { value: record, expiresAt });
      const jti = args[0] === 'Session' ? (record as { jti?: unknown }).jti : undefined;
      if (typeof jti === 'string') shared.sessions.set(jti, [...(shared.sessions.get(jti) ?? []), key]);
    }
    return record;
  });
}

/**
 * A kept artifact with no object in it (an access token, a session's certificate binding) is frozen and
 * then handed out as it is, like a frozen record: oidc-provider builds its model from a copy of the
 * top-level fields anyway (its `pick`), so only nested objects — which it changes (a grant's scopes, a
 * session's authorizations) — need a copy per reader; a reader that tried to change a frozen one would
 * throw, never alter what is kept. Others keep being copied for each reader.
 */
function freezeIfFlat(record: unknown): void {
  if (typeof record !== 'object' || record === null || Object.getPrototypeOf(record) !== Object.prototype)
    return;
  for (const key in record) {
    const field = (record as Record<string, unknown>)[key];
    if (typeof field === 'object' && field !== null) return;
  }
  Object.freeze(record);
}

const frozenOrCopy = <T>(record: T): T => (Object.isFrozen(record) ? record : copyOf(record));

const nowOf = (kind: 'record' | 'frozen' | 'expiring', args: unknown[]): number =>
  kind === 'expiring' ? (args[2] as Date).getTime() : Date.now();

/** The cache key of a getter's call: its name and key arguments (strings, as every getter's are). */
const keyOf = (name: string, args: unknown[], keyArgs: number): string =>
  keyArgs === 1 ? `${name}\0${String(args[0])}` : `${name}\0${String(args[0])}\0${String(args[1])}`;

function cachedMethod(
  name: string,
  call: (args: unknown[]) => Promise<unknown>,
  scopeOf: () => Scope | undefined,
  across: Across | undefined,
): (...args: unknown[]) => unknown {
  const cached = CACHED[name];
  if (cached) {
    const sharedKind = across ? SHARED[name] : undefined;
    // Frozen records are handed out as they are; any other reader gets its own copy.
    const handOut =
      sharedKind === 'frozen' ? <T>(record: T): T => record : sharedKind ? frozenOrCopy : copyOf;
    return (...args: unknown[]) => {
      const scope = scopeOf();
      if (!scope) return call(args);
      const key = keyOf(name, args, cached.keyArgs);
      let entry = scope.entries.get(key);
      if (!entry) {
        const group = typeof cached.group === 'function' ? cached.group(args) : cached.group;
        const kept = sharedKind && (sharedKind !== 'expiring' || SHARED_MODELS.has(String(args[0])));
        let epoch: number | Promise<number> | undefined;
        try {
          if (kept) epoch = across!.epochOf(scope);
        } catch (error) {
          return Promise.reject(error as Error); // a failed read is not remembered
        }
        const hit =
          typeof epoch === 'number'
            ? (keptFor(across!.shared, scope, key, nowOf(sharedKind!, args)) ??
              namedByAccessToken(scope, name, args))
            : undefined;
        if (hit) {
          // The common case of a token request: answered at once, with no store call and no waiting.
          across!.count('hit');
          scope.entries.set(key, { group, settled: { record: hit.value } });
          return Promise.resolve(handOut(hit.value));
        }
        const value = kept
          ? sharedRead(sharedKind, key, args, call, scope, across!)
          : Promise.resolve(call(args));
        const pending: Entry = { group, value };
        entry = pending;
        scope.entries.set(key, pending);
        value.then(
          (record) => (pending.settled = { record }),
          // A failed read is not remembered: the next reader tries the store again.
          () => scope.entries.get(key) === pending && scope.entries.delete(key),
        );
      }
      // Every reader gets its own copy, as from the store itself (mutating it changes nothing cached).
      return entry.settled ? Promise.resolve(handOut(entry.settled.record)) : entry.value!.then(handOut);
    };
  }
  if (UNCACHED_WRITES.has(name) || PASS_THROUGH.test(name) || name === 'getSecurityEpoch')
    return (...args: unknown[]) => call(args);
  const changes = WRITES[name];
  return (...args: unknown[]) => {
    const scope = scopeOf();
    const groups = typeof changes === 'function' ? changes(args) : changes;
    const forgets = across && bumpsSecurityEpoch(name, args);
    if (forgets) forget(across.shared, scope, name, args);
    if (scope) drop(scope, groups);
    const result = call(args);
    // Dropped again once written: a read started meanwhile may have cached the old record.
    return scope || forgets
      ? Promise.resolve(result).finally(() => {
          if (forgets) forget(across.shared, scope, name, args);
          if (scope) drop(scope, groups);
        })
      : result;
  };
}

/**
 * A write in this process that may move the epoch. One artifact's write (a token or session saved,
 * consumed or destroyed) drops that artifact — a session under its id, every uid it was kept under and
 * the uid a saved one names (each login saves one); any other drops everything kept, and nothing is
 * kept again until the epoch is read anew (this request reads it again too).
 */
function forget(shared: Shared, scope: Scope | undefined, name: string, args: unknown[]): void {
  if (MODEL_WRITES.has(name)) {
    for (const getter of ['oidcFind', 'getState']) shared.entries.delete(keyOf(getter, args, 2));
    if (args[0] === 'Session') {
      const id = String(args[1]);
      for (const key of shared.sessions.get(id) ?? []) shared.entries.delete(key);
      shared.sessions.delete(id);
      const uid = UPSERTS.has(name) ? (args[2] as { uid?: unknown } | undefined)?.uid : undefined;
      if (typeof uid === 'string') shared.entries.delete(keyOf('oidcFindByUid', ['Session', uid], 2));
    }
    return;
  }
  clearShared(shared);
  shared.epoch = undefined;
  if (scope) {
    delete scope.epoch;
    delete scope.epochValue;
  }
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
