/** What the request cache's tests share: running code as one request, and reading the store call counter. */
import type { Context, Next } from 'koa';
import type { Registry } from 'prom-client';
import type { RequestCache } from '../../src/store/request-cache.js';

/** Runs `fn` as the handling of one request. */
export function inRequest<T>(cache: RequestCache, fn: () => Promise<T>): Promise<T> {
  let result: T;
  return cache
    .middleware()({} as Context, (async () => void (result = await fn())) as Next)
    .then(() => result);
}

/** How often `method` reached the store (`tobira_store_calls_total`). */
export async function storeCalls(registry: Registry, method: string): Promise<number> {
  const values = (await registry.getSingleMetric('tobira_store_calls_total')!.get()).values;
  return values.find((v) => v.labels.method === method)?.value ?? 0;
}
