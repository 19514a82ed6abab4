/**
 * The store's call counter: every call by method and kind (read or write) — the store's round trips, so
 * the bench and tests can read how many a login costs from `/metrics` (`tobira_store_calls_total{method,kind}`).
 * One counter increment per call; nothing else changes. A layer beneath the request cache's wrappers.
 */
import type { Registry } from 'prom-client';
import { talliedCounter, type TallySeries } from '../metrics-tally.js';
import type { MethodWrap } from './decorate.js';

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
  const counter = talliedCounter({
    name: 'tobira_store_calls_total',
    help: 'Store calls (database round trips) by method and kind: read or write.',
    labelNames: ['method', 'kind'],
    registers: [registry],
  });
  // The series looked up once per method, then counted by an addition (metrics-tally.ts).
  const series = new Map<string, TallySeries>();
  return (method, kind) => {
    let tally = series.get(method);
    if (!tally) series.set(method, (tally = counter({ method, kind })));
    tally.n += 1;
  };
}

/**
 * Each method call counted first, as a layer the request cache puts under its own wrappers in the same
 * Proxy (RequestCache.wrap): a Proxy per decorator, stacked, cost every store call of every request a
 * second trap and wrapper. The lifecycle's calls pass as they are.
 */
export function countedCalls(count: StoreCallCounter): MethodWrap {
  return (name, call) => {
    if (LIFECYCLE.has(name)) return call;
    const kind = storeCallKind(name);
    return (args) => {
      count(name, kind);
      return call(args);
    };
  };
}
