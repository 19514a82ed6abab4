/**
 * The two things a worker shares with its siblings over the bus: revocation news for the kept CRL,
 * and metrics snapshots for a scrape that covers every worker. In a single process both stay local.
 */
import type { Logger } from '../log.js';
import {
  aggregateExposition,
  type Metrics,
  type MetricsExposition,
  type MetricsSnapshot,
} from '../metrics.js';
import type { CrlPeers } from '../services/crl-cache.js';
import type { ClusterBus } from './bus.js';

const CRL_REVOKED = 'crl.revoked';
const METRICS = 'metrics';

/**
 * The CRL's peers: a revocation waits until every other worker marked its CRL stale (or was given up on
 * after the gather timeout — then that worker's CRL catches up at its next scheduled re-sign; logins
 * read the store, so they refuse the certificate at once anyway). `refresh` is this worker's own mark.
 */
export function shareCrl(bus: ClusterBus, log: Logger, refresh: () => Promise<void>): CrlPeers {
  bus.handle(CRL_REVOKED, refresh);
  return {
    async revoked() {
      if (bus.workers === 1) return;
      const { missing } = await bus.gather(CRL_REVOKED, null, 'others');
      if (missing > 0) log.warn('crl: workers did not confirm the re-sign', { missing });
    },
  };
}

/** GET /metrics: this process's registry alone, or the sum over every worker. */
export function shareMetrics(bus: ClusterBus, metrics: Metrics): MetricsExposition {
  bus.handle(METRICS, async () => ({ slot: bus.slot, snapshot: await metrics.snapshot() }));
  if (bus.workers === 1) return metrics;
  return {
    async exposition() {
      const { results } = await bus.gather(METRICS, null, 'all');
      return aggregateExposition(results as { slot: number; snapshot: MetricsSnapshot }[]);
    },
  };
}
