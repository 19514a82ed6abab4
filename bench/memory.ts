/**
 * Memory over many logins: RSS of each serving process (per worker: sum and max) at start, after
 * the first checkpoint and after the last, on a freshly started server (issue 13: no growth between
 * 3,000 and 10,000 logins, at most 200 MiB per worker).
 */
import { runLogins, type BenchUser, type LoginTarget } from './login.js';
import { servingRss } from './proc.js';
import type { ServerProcess } from './server.js';

export interface MemoryPoint {
  logins: number;
  sumMiB: number;
  maxMiB: number;
  processes: number;
  /** The cluster's primary (or the one process): it serves no requests in cluster mode. */
  primaryMiB: number;
}

export interface MemoryResult {
  clients: number;
  points: MemoryPoint[];
  perSecond: number;
}

const MiB = 1024 * 1024;

/** RSS now; `logins` is how many the server has carried so far. */
export function memoryPoint(server: ServerProcess, logins: number): MemoryPoint {
  const tree = server.tree();
  const rss = servingRss(tree);
  return {
    logins,
    sumMiB: rss.sum / MiB,
    maxMiB: rss.max / MiB,
    processes: rss.count,
    primaryMiB: tree.root.rss / MiB,
  };
}

/**
 * `start` is read before any login; the warm-up (one login per open browser) counts towards the
 * checkpoints, which are totals of logins served.
 */
export async function benchMemory(
  server: ServerProcess,
  target: LoginTarget,
  users: BenchUser[],
  checkpoints: number[],
  start: MemoryPoint,
  warmUpLogins: number,
): Promise<MemoryResult> {
  const points = [start];
  let done = warmUpLogins;
  let seconds = 0;
  for (const checkpoint of checkpoints) {
    const run = await runLogins(target, users, { count: checkpoint - done });
    done += run.latencies.length;
    seconds += run.seconds;
    points.push(memoryPoint(server, done));
  }
  return { clients: users.length, points, perSecond: (done - warmUpLogins) / seconds };
}
