/**
 * Housekeeping: login history past each tenant's retention (the default policy's for events without a
 * tenant), key material of downloads never taken,
 * expired tickets, oidc artifacts, and settled mail past the outbox retention.
 * Runs on a timer in every process; the deletes are idempotent, so several nodes may run it.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { defaultTenantPolicy } from '../policy/tenant-policy.js';
import type {
  LoginHistoryStore,
  OidcArtifactStore,
  OutboxStore,
  TenantStore,
  TerminalStore,
  TicketStore,
} from '../store.js';

const DAY = 86_400_000;

/** Every role that holds something with an expiry or a retention period. */
type RetainedRecords = TenantStore &
  LoginHistoryStore &
  TerminalStore &
  TicketStore &
  OidcArtifactStore &
  OutboxStore;

export interface PurgeReport {
  loginEvents: number;
  /** Sealed PKCS#12 files whose download window passed: the private keys are gone for good. */
  expiredDownloads: number;
  tickets: number;
  oidcArtifacts: number;
  /** Outbox rows (sent or failed) older than the mail retention. */
  mail: number;
}

export class RetentionJob {
  readonly #store: RetainedRecords;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #mailRetentionDays: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: { store: RetainedRecords; clock: Clock; log: Logger; mailRetentionDays: number }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#mailRetentionDays = deps.mailRetentionDays;
  }

  async runOnce(): Promise<PurgeReport> {
    const now = this.#clock.now();
    let loginEvents = 0;
    for (const tenant of await this.#store.listTenants()) {
      const before = new Date(now.getTime() - tenant.policy.history.retentionDays * DAY);
      loginEvents += await this.#store.purgeLoginEvents(before, tenant.id);
    }
    // Events no tenant could be told for (no or an unknown certificate) follow the default policy.
    const orphansBefore = new Date(now.getTime() - defaultTenantPolicy().history.retentionDays * DAY);
    loginEvents += await this.#store.purgeLoginEvents(orphansBefore, null);
    // Tickets are kept a week past expiry so "this link has expired" can still be told apart from "unknown".
    const tickets = await this.#store.purgeExpiredTickets(new Date(now.getTime() - 7 * DAY));
    const oidcArtifacts = await this.#store.oidcPurgeExpired(now);
    const expiredDownloads = await this.#store.clearExpiredDownloads(now);
    const mail = await this.#store.purgeSettledMail(new Date(now.getTime() - this.#mailRetentionDays * DAY));
    const report = { loginEvents, expiredDownloads, tickets, oidcArtifacts, mail };
    this.#log.info('retention purge', { ...report });
    return report;
  }

  start(intervalMs = 3600_000): void {
    const tick = () => {
      this.runOnce().catch((err: unknown) => this.#log.warn('retention purge failed', { err }));
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    setTimeout(tick, 5_000).unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
