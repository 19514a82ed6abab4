/**
 * Memory over many logins: RSS of each serving process (per worker: sum and max) at start, after
 * the first checkpoint and after the last, on a freshly started server (issue 13: no growth between
 * 3,000 and 10,000 logins, at most 200 MiB per worker).
 * Alone, on the compiled server, with where each worker's RSS is (bench/proc.ts `rssByKind`):
 *   node --import tsx bench/memory.ts --logins 3000,10000 --clients 16
 */
import { parseArgs } from 'node:util';
import { closeAllHttpsFetches } from '../src/http/https-fetch.js';
import { TestRp } from '../test/helpers/rp.js';
import { browsersFor, loginOnce, runLogins, type BenchUser, type LoginTarget } from './login.js';
import { rssByKind, servingRss } from './proc.js';
import { provision } from './provision.js';
import { startServerProcess, type ServerProcess } from './server.js';
import { buildCompiled } from './startup.js';
import { runsAlone } from './entry.js';

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
  onPoint: (point: MemoryPoint) => void = () => undefined,
): Promise<MemoryResult> {
  const points = [start];
  let done = warmUpLogins;
  let seconds = 0;
  for (const checkpoint of checkpoints) {
    const run = await runLogins(target, users, { count: checkpoint - done });
    done += run.latencies.length;
    seconds += run.seconds;
    points.push(memoryPoint(server, done));
    onPoint(points.at(-1)!);
  }
  return { clients: users.length, points, perSecond: (done - warmUpLogins) / seconds };
}

/** Each serving process's RSS by kind, one line each. */
export function describeRss(server: ServerProcess): string[] {
  const tree = server.tree();
  const mib = (bytes: number) => (bytes / MiB).toFixed(1);
  return (tree.workers.length ? tree.workers : [tree.root]).map((p) => {
    const k = rssByKind(p.pid);
    return `pid ${p.pid}: ${mib(p.rss)} MiB = V8 heap and other anonymous ${mib(k.otherAnonymous)} + malloc thread arenas ${mib(k.mallocThreads)} + malloc main heap ${mib(k.mallocMain)} + files ${mib(k.files)}`;
  });
}

if (runsAlone(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      logins: { type: 'string', default: '3000,10000' },
      clients: { type: 'string', default: '16' },
    },
  });
  const build = await buildCompiled();
  if (typeof build === 'string') throw new Error(build);
  const data = await provision(Number(values.clients));
  const server = await startServerProcess({
    dataDir: data.dataDir,
    caPem: data.caPem,
    compiledDir: build.dir,
  });
  const say = (point: MemoryPoint) => {
    console.log(
      `after ${point.logins} logins: ${point.processes} serving, max ${point.maxMiB.toFixed(0)} MiB, sum ${point.sumMiB.toFixed(0)} MiB; primary ${point.primaryMiB.toFixed(0)} MiB`,
    );
    for (const line of describeRss(server)) console.log(`  ${line}`);
  };
  const start = memoryPoint(server, 0);
  say(start);
  const users = browsersFor(data.users, server.url, data.caPem);
  try {
    const target = { rp: await TestRp.discover(server.url, data.client, data.caPem), url: server.url };
    await Promise.all(users.map((u) => loginOnce(target, u)));
    const checkpoints = values.logins.split(',').map(Number);
    const result = await benchMemory(server, target, users, checkpoints, start, users.length, say);
    console.log(`${result.perSecond.toFixed(1)} logins/s`);
  } finally {
    await Promise.all(users.map((u) => u.browser.close()));
    await server.stop();
    await data.remove();
    await build.remove();
    closeAllHttpsFetches();
  }
  process.exit(0);
}
