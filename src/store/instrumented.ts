/**
 * A store decorator that counts every call by method and kind (read or write) — the store's round trips,
 * so the bench and tests can read how many a login costs from `/metrics`
 * (`tobira_store_calls_total{method,kind}`). One counter increment per call; nothing else changes.
 */
import { Counter, type Registry } from 'prom-client';

export type StoreCallKind = 'read' | 'write';

/** Not round trips of the application's data: opening, health, closing, backup. */
const LIFECYCLE = new Set(['init', 'ping', 'close', 'backup']);

/** Reads by name: every getter, lister, finder and counter of the roles (`oidcFind*` included). */
export function storeCallKind(method: string): StoreCallKind {
  return /^(get|list|find|count|oidcFind)/.test(method) ? 'read' : 'write';
}

/** Counts one call of `method`. */
export type StoreCallCounter = (method: string, kind: StoreCallKind) => void;

/** The `tobira_store_calls_total` counter in `registry`. */
export function storeCallMetric(registry: Registry): StoreCallCounter {
  const counter = new Counter({
    name: 'tobira_store_calls_total',
    help: 'Store calls (database round trips) by method and kind: read or write.',
    labelNames: ['method', 'kind'],
    registers: [registry],
  });
  return (method, kind) => counter.inc({ method, kind });
}

/**
 * `store` with each method call counted first. A Proxy, so every role of every adapter is covered and
 * a method added later is counted without a change here; methods run with the adapter itself as `this`.
 */
export function instrumentStore<S extends object>(store: S, count: StoreCallCounter): S {
  // Per property, the wrapper of the method it held when wrapped (a method replaced later is wrapped anew).
  const wrappers = new Map<string, { method: unknown; wrapper: unknown }>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string' || LIFECYCLE.has(property))
        return typeof value === 'function' ? value.bind(target) : value;
      const known = wrappers.get(property);
      if (known?.method === value) return known.wrapper;
      const kind = storeCallKind(property);
      const method = value as (...args: unknown[]) => unknown;
      const wrapper = (...args: unknown[]) => {
        count(property, kind);
        return method.apply(target, args);
      };
      wrappers.set(property, { method, wrapper });
      return wrapper;
    },
  });
}
