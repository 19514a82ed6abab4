/**
 * One id per request, sent back as `X-Request-Id` and carried (through AsyncLocalStorage, so the
 * services need no request parameter) into the access-log line and every audit event the request
 * causes, including work it starts in the background.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { newId } from '../random.js';

/** What a proxy's id may look like: a UUID, nginx's `$request_id` (hex), ids with `.:_-` separators. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The id of a request: the incoming `X-Request-Id` only when a trusted proxy sent it and it is well
 * formed (anyone else could write misleading ids into the audit trail, or break a log line), else new.
 */
export function requestIdFor(header: string | undefined, fromTrustedProxy: boolean): string {
  return fromTrustedProxy && header && WELL_FORMED.test(header) ? header : newId();
}

/**
 * A per-request context that can carry the id (the request cache's): one AsyncLocalStorage context per
 * request instead of two — each one is copied onto every promise the request creates.
 */
export interface RequestIdCarrier {
  /** Carries `id` for the current request; false outside one. */
  carryRequestId(id: string): boolean;
  carriedRequestId(): string | undefined;
}

export class RequestIds {
  readonly #storage = new AsyncLocalStorage<string>();
  readonly #carrier: RequestIdCarrier | undefined;

  constructor(carrier?: RequestIdCarrier) {
    this.#carrier = carrier;
  }

  /** Runs `fn` (the rest of the request) with `id` as the current request id. */
  run<T>(id: string, fn: () => T): T {
    return this.#carrier?.carryRequestId(id) ? fn() : this.#storage.run(id, fn);
  }

  /** The id of the request this code runs for, or undefined outside a request (jobs, CLI). */
  current(): string | undefined {
    return this.#carrier?.carriedRequestId() ?? this.#storage.getStore();
  }
}
