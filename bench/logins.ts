/**
 * Login throughput against a running server: logins/s, latency, and what each login costs the server
 * (CPU from its /metrics, checked against /proc; store calls when it counts them) apart from the
 * clients' CPU. The server's CPU is also split by thread (/proc/<pid>/task/<tid>/schedstat): what libuv's
 * pool used — argon2id, and the RS256 signatures — read inside the serving processes at this load, next
 * to bench/argon2.ts's figure measured alone (with the pool threads time-sharing the cores with the main
 * threads, argon2id's memory-bound verify may cost more than alone).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { workerEnvironment } from '../src/cluster/worker-env.js';
import { runLogins, type BenchUser, type LoginTarget } from './login.js';
import { sample, storeCalls, timeByRoute, type StoreCalls } from './metrics-text.js';
import type { ServerProcess } from './server.js';
import { quantiles, type Quantiles } from './stats.js';

/**
 * Logins each login server of bench/run.ts runs before it is measured (with the largest client count).
 * A server in production has run for hours; with one login per user as the only warm-up, the 1-client
 * phase ran partly unoptimised code and counted V8's compiler threads. Measured with bench/login-sweep.ts
 * (2 workers, 8 clients, blocks of 200): main-thread CPU per login 12.5–12.8 ms in the first block,
 * ~10 ms from the fourth on; the helper threads' (V8 compiler, GC) 2.2–2.9 → ~1.1 ms by the eighth.
 * It counts per server, so with 2 workers each runs ~750: 3,000 was measured against 1,500 (Node.js 24,
 * 2 workers, 8 clients, 3 interleaved rounds, loaded machine): main threads 8.14 / 7.20 / 7.92 vs 7.73 /
 * 8.04 / 8.35 ms per login — within noise, left.
 */
export const SWEEP_WARM_UP = 1500;

export interface LoginPhase {
  clients: number;
  /** Processes serving requests: cluster workers, or 1. */
  workers: number;
  logins: number;
  perSecond: number;
  latency: Quantiles;
  serverCpuMs: number;
  /**
   * Of the serving processes' CPU per login, their libuv pools' (argon2id + RS256): per process the
   * UV_THREADPOOL_SIZE threads other than the main thread with the most CPU in the phase (a verify's
   * ~17 ms dwarfs any V8 helper thread). NaN without per-thread /proc.
   */
  poolCpuMs: number;
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
  const threadsBefore = threadSnapshot(server);
  const run = await runLogins(target, users, until);
  const threads = splitByThread(threadsBefore, threadSnapshot(server));
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
    poolCpuMs: threads.pool / logins / 1e6,
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

/** CPU nanoseconds by thread id of one process (schedstat's first field: time on a CPU). */
function threadCpu(pid: number): Map<string, number> {
  const cpu = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        cpu.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // no /proc (not Linux), or the process ended
  }
  return cpu;
}

/** Per-thread CPU of the server's processes; `serving`: those that answer requests (workers, or the one). */
export interface ThreadSnapshot {
  byPid: Map<number, Map<string, number>>;
  serving: number[];
  /** Threads in each serving process's libuv pool. */
  poolSize: number;
}

/** `poolSize`: when the server was given another UV_THREADPOOL_SIZE than `tobira start`'s default. */
export function threadSnapshot(server: Pick<ServerProcess, 'tree'>, poolSize?: number): ThreadSnapshot {
  const tree = server.tree();
  const serving = (tree.workers.length ? tree.workers : [tree.root]).map((p) => p.pid);
  return {
    byPid: new Map([tree.root, ...tree.workers].map(({ pid }) => [pid, threadCpu(pid)])),
    serving,
    poolSize: poolSize ?? Number(workerEnvironment(serving.length).UV_THREADPOOL_SIZE),
  };
}

/**
 * CPU ns between two snapshots: whole tree; the serving processes' main threads; their libuv pools
 * (see LoginPhase.poolCpuMs); the rest (V8's GC and compiler helpers, a cluster's primary).
 */
export function splitByThread(
  before: ThreadSnapshot,
  after: ThreadSnapshot,
): { whole: number; main: number; pool: number; rest: number } {
  const { poolSize } = after;
  const out = { whole: 0, main: 0, pool: 0, rest: 0 };
  for (const [pid, threads] of after.byPid) {
    const was = before.byPid.get(pid) ?? new Map<string, number>();
    const deltas = [...threads].map(([tid, ns]) => ({ tid, ns: ns - (was.get(tid) ?? 0) }));
    const total = deltas.reduce((a, d) => a + d.ns, 0);
    out.whole += total;
    if (!after.serving.includes(pid)) {
      out.rest += total;
      continue;
    }
    const main = deltas.find((d) => d.tid === String(pid))?.ns ?? 0;
    const pool = deltas
      .filter((d) => d.tid !== String(pid))
      .sort((a, b) => b.ns - a.ns)
      .slice(0, poolSize)
      .reduce((a, d) => a + d.ns, 0);
    out.main += main;
    out.pool += pool;
    out.rest += total - main - pool;
  }
  if (!out.whole) return { whole: NaN, main: NaN, pool: NaN, rest: NaN };
  return out;
}
