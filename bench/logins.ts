/**
 * Login throughput against a running server: logins/s, latency, and what each login costs the server
 * (CPU from its /metrics, checked against /proc; store calls when it counts them) apart from the
 * clients' CPU.
 */
import { runLogins, type BenchUser, type LoginTarget } from './login.js';
import { sample, storeCalls, timeByRoute, type StoreCalls } from './metrics-text.js';
import type { ServerProcess } from './server.js';
import { quantiles, type Quantiles } from './stats.js';

export interface LoginPhase {
  clients: number;
  /** Processes serving requests: cluster workers, or 1. */
  workers: number;
  logins: number;
  perSecond: number;
  latency: Quantiles;
  serverCpuMs: number;
  /** Where serverCpuMs came from: /metrics, or /proc when /metrics did not cover every worker. */
  cpuSource: '/metrics' | '/proc';
  clientCpuMs: number;
  store: StoreCalls | null;
  routes: string[];
}

export async function measureLogins(
  server: ServerProcess,
  target: LoginTarget,
  users: BenchUser[],
  until: { seconds: number } | { count: number },
): Promise<LoginPhase> {
  const [metricsBefore, treeBefore] = [await server.metrics(), server.tree()];
  const run = await runLogins(target, users, until);
  const [metricsAfter, treeAfter] = [await server.metrics(), server.tree()];
  const logins = run.latencies.length;
  const metricsCpu =
    (sample(metricsAfter, 'tobira_process_cpu_seconds_total') ?? NaN) -
    (sample(metricsBefore, 'tobira_process_cpu_seconds_total') ?? NaN);
  const procCpu = treeAfter.cpuSeconds - treeBefore.cpuSeconds;
  // One worker's /metrics (not aggregated) shows only its share; /proc sees the whole process tree.
  const useMetrics = Number.isFinite(metricsCpu) && Math.abs(metricsCpu - procCpu) <= 0.2 * procCpu;
  const callsBefore = storeCalls(metricsBefore);
  const callsAfter = storeCalls(metricsAfter);
  const perLogin = (a: number | null, b: number | null) =>
    a === null || b === null ? null : (b - a) / logins;
  return {
    clients: users.length,
    workers: Math.max(1, treeAfter.workers.length),
    logins,
    perSecond: logins / run.seconds,
    latency: quantiles(run.latencies),
    serverCpuMs: ((useMetrics ? metricsCpu : procCpu) / logins) * 1000,
    cpuSource: useMetrics ? '/metrics' : '/proc',
    clientCpuMs: (run.clientCpu / logins) * 1000,
    store:
      callsBefore && callsAfter
        ? {
            total: perLogin(callsBefore.total, callsAfter.total)!,
            reads: perLogin(callsBefore.reads, callsAfter.reads),
            writes: perLogin(callsBefore.writes, callsAfter.writes),
          }
        : null,
    routes: timeByRoute(metricsBefore, metricsAfter, logins),
  };
}
