/**
 * Audit trail of security decisions and admin actions: stored, and mirrored to the log. An event a
 * request caused carries that request's id in its details (`requestId`, as in the access log and the
 * response's X-Request-Id), so one can go from a response or a log line to the decisions it made.
 */
import type { Clock } from '../clock.js';
import type { AuditStore } from '../store.js';
import type { Logger } from '../log.js';
import { noMetrics, type AuditMetrics } from '../metrics.js';

export interface AuditInput {
  actor: string;
  action: string;
  tenantId?: string | null;
  accountId?: string | null;
  sourceIp?: string | null;
  details?: Record<string, unknown>;
}

export class AuditLog {
  readonly #store: AuditStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #metrics: AuditMetrics;
  readonly #requestId: () => string | undefined;

  constructor(deps: {
    store: AuditStore;
    clock: Clock;
    log: Logger;
    metrics?: AuditMetrics;
    /** The id of the request being served (RequestIds.current), undefined outside one. */
    requestId?: () => string | undefined;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#metrics = deps.metrics ?? noMetrics;
    this.#requestId = deps.requestId ?? (() => undefined);
  }

  async record(input: AuditInput): Promise<void> {
    const requestId = this.#requestId();
    const details = requestId ? { ...input.details, requestId } : (input.details ?? {});
    const event = {
      at: this.#clock.now(),
      actor: input.actor,
      action: input.action,
      tenantId: input.tenantId ?? null,
      accountId: input.accountId ?? null,
      sourceIp: input.sourceIp ?? null,
      details,
    };
    this.#log.info('audit', {
      action: event.action,
      actor: event.actor,
      accountId: event.accountId,
      ...event.details,
    });
    await this.#store.addAuditEvent(event);
    this.#metrics.auditEvent(event.action);
  }
}
