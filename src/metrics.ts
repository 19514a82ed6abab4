/**
 * Prometheus metrics. One registry per Tobira instance (not prom-client's global one), so several
 * instances in one process — tests, or a benchmark beside the server — never mix their numbers.
 * Labels are bounded sets only: route names, result codes, audit actions; never IDs or addresses.
 */
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { LoginResult, OutboxMail } from './domain.js';
import type { CertificateStore, OutboxStore, StoreLifecycle } from './store.js';
import { TallyHistogram, talliedCounter, type HistogramSeries, type TallySeries } from './metrics-tally.js';

export type MailOutcome = 'sent' | 'retried' | 'failed';

export interface LoginMetrics {
  loginAttempt(result: LoginResult): void;
}
export interface AuditMetrics {
  auditEvent(action: string): void;
}
export interface MailMetrics {
  mailDelivery(outcome: MailOutcome): void;
}
export type KeptOutcome = 'hit' | 'miss';

export interface RequestMetrics {
  request(observation: { method: string; route: string; status: number; seconds: number }): void;
}

/** One process's metrics as JSON, to be added up with its sibling workers' (`aggregateExposition`). */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export interface MetricsExposition {
  exposition(): Promise<{ contentType: string; body: string }>;
}

/** For services built without metrics (tests, one-shot CLI commands). */
export const noMetrics: LoginMetrics & AuditMetrics & MailMetrics & RequestMetrics = {
  loginAttempt: () => undefined,
  auditEvent: () => undefined,
  mailDelivery: () => undefined,
  request: () => undefined,
};

const OUTBOX_STATES: readonly OutboxMail['status'][] = ['pending', 'sending', 'failed'];
const EXPIRY_WINDOWS_DAYS = [7, 30] as const;

export class Metrics implements LoginMetrics, AuditMetrics, MailMetrics, RequestMetrics {
  readonly registry = new Registry();
  // Counted on every request: tallied in plain numbers, read into the registry at each scrape.
  readonly #requests: (labels: Record<'method' | 'route' | 'status', string>) => TallySeries;
  readonly #duration: TallyHistogram<'method' | 'route'>;
  readonly #requestSeries = new Map<string, { count: TallySeries; duration: HistogramSeries }>();
  readonly #logins: Counter<'result'>;
  /** Reads of records kept across requests (store/request-cache.ts): answered from memory, or not. */
  readonly #kept: Record<KeptOutcome, TallySeries>;
  readonly #audit: Counter<'action'>;
  readonly #mail: Counter<'outcome'>;

  constructor(deps: { store: StoreLifecycle & CertificateStore & OutboxStore; processMetrics?: boolean }) {
    const registers = [this.registry];
    if (deps.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'tobira_' });
    this.#requests = talliedCounter({
      name: 'tobira_http_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#duration = new TallyHistogram(
      'tobira_http_request_duration_seconds',
      'Time to answer an HTTP request, by route.',
      ['method', 'route'],
      // A login step costs one argon2id verify (~25 ms here); slow stores show in the upper buckets.
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      this.registry,
    );
    const kept = talliedCounter({
      name: 'tobira_kept_records_total',
      help: 'Reads of records kept across requests while the security epoch stands still: hit (answered from memory) or miss (read from the store).',
      labelNames: ['outcome'],
      registers,
    });
    this.#kept = { hit: kept({ outcome: 'hit' }), miss: kept({ outcome: 'miss' }) };
    this.#logins = new Counter({
      name: 'tobira_login_attempts_total',
      help: 'Login attempts recorded in the login history, by result code.',
      labelNames: ['result'],
      registers,
    });
    this.#audit = new Counter({
      name: 'tobira_audit_events_total',
      help: 'Audit events (certificates issued and revoked, locks, enrollments, admin actions), by action.',
      labelNames: ['action'],
      registers,
    });
    this.#mail = new Counter({
      name: 'tobira_mail_deliveries_total',
      help: 'Outbox delivery attempts by this process: sent, retried later, or failed for good.',
      labelNames: ['outcome'],
      registers,
    });
    const store = deps.store;
    new Gauge({
      name: 'tobira_mail_outbox',
      help: 'Mails in the shared outbox by state (pending and sending are still to go out).',
      labelNames: ['status'],
      registers,
      // Every worker reads the same shared store: one worker's numbers, not their sum.
      aggregator: 'max',
      async collect() {
        // limit 1, not 0: MongoDB reads a limit of 0 as "no limit".
        const totals = await Promise.all(
          OUTBOX_STATES.map((status) => store.listMail({ status, limit: 1 }).then((page) => page.total)),
        ).catch(() => null);
        // With the store down the series are left out; tobira_store_up says why.
        if (!totals) return this.reset();
        OUTBOX_STATES.forEach((status, i) => this.set({ status }, totals[i]!));
      },
    });
    new Gauge({
      name: 'tobira_certificates_expiring',
      help: 'Active client certificates that expire within the given number of days (to plan re-issues).',
      labelNames: ['within_days'],
      registers,
      aggregator: 'max',
      async collect() {
        const now = new Date();
        const counts = await Promise.all(
          EXPIRY_WINDOWS_DAYS.map((days) =>
            store.countCertificatesExpiring(now, new Date(now.getTime() + days * 86_400_000)),
          ),
        ).catch(() => null);
        if (!counts) return this.reset();
        EXPIRY_WINDOWS_DAYS.forEach((days, i) => this.set({ within_days: String(days) }, counts[i]!));
      },
    });
    new Gauge({
      name: 'tobira_store_up',
      help: '1 when the store answered a ping during this scrape, else 0.',
      labelNames: ['store'],
      registers,
      // 0 as soon as one worker cannot reach the store.
      aggregator: 'min',
      async collect() {
        const up = await store.ping().then(
          () => 1,
          () => 0,
        );
        this.set({ store: store.kind }, up);
      },
    });
  }

  request(o: { method: string; route: string; status: number; seconds: number }): void {
    // The labelled series looked up once per method, route and status, not per request.
    const key = `${o.method} ${o.route} ${o.status}`;
    let series = this.#requestSeries.get(key);
    if (!series) {
      // Bounded: the parser's known methods, Tobira's route names, the statuses it answers.
      series = {
        count: this.#requests({ method: o.method, route: o.route, status: String(o.status) }),
        duration: this.#duration.series({ method: o.method, route: o.route }),
      };
      this.#requestSeries.set(key, series);
    }
    series.count.n += 1;
    series.duration.observe(o.seconds);
  }

  keptRecord(outcome: KeptOutcome): void {
    this.#kept[outcome].n += 1;
  }

  loginAttempt(result: LoginResult): void {
    this.#logins.inc({ result });
  }

  auditEvent(action: string): void {
    this.#audit.inc({ action });
  }

  mailDelivery(outcome: MailOutcome): void {
    this.#mail.inc({ outcome });
  }

  snapshot(): Promise<MetricsSnapshot> {
    return this.registry.getMetricsAsJSON();
  }

  /** The exposition text; a store that is down gives `tobira_store_up 0`, not a failed scrape. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The workers' snapshots as one exposition (prom-client's cluster aggregation): counters and histograms
 * summed, gauges per their aggregator, the process start time left out. Plus
 * `tobira_worker_http_requests_total{worker}`, each worker's share of the requests, to see the balance.
 */
export async function aggregateExposition(
  workers: { slot: number; snapshot: MetricsSnapshot }[],
): Promise<{ contentType: string; body: string }> {
  const perWorker = {
    name: 'tobira_worker_http_requests_total',
    help: 'HTTP requests answered by each worker process (labelled by worker slot).',
    type: 'counter',
    aggregator: 'sum',
    values: workers.map(({ slot, snapshot }) => ({
      labels: { worker: String(slot) },
      value: (snapshot.find((m) => m.name === 'tobira_http_requests_total')?.values ?? []).reduce(
        (sum, v) => sum + v.value,
        0,
      ),
    })),
  } as unknown as MetricsSnapshot[number];
  const registry = AggregatorRegistry.aggregate([...workers.map((w) => w.snapshot), [perWorker]]);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
