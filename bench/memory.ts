/**
 * Memory over many logins: RSS of each serving process (per worker: sum and max) at start, after
 * the first checkpoint and after the last, on a freshly started server (issue 13: no growth between
 * 3,000 and 10,000 logins, at most 200 MiB per worker).
 * Alone, on the compiled server, with where each worker's RSS is (bench/proc.ts `rssByKind`), V8's heap
 * spaces and, since the last checkpoint, the server's CPU and V8's GC time per login:
 *   node --import tsx bench/memory.ts --logins 3000,10000 --clients 16
 * Settings side by side (A/B in one run): each `--variant name[@COMPILED_DIR][:K=V,K=V]` gets its own
 * server (environment added, or another build), all started at once; the logins go to them in turns
 * of `--chunk` so that the machine's other load falls on each alike:
 *   node --import tsx bench/memory.ts --clients 32 --variant base --variant 'arena:MALLOC_ARENA_MAX=2'
 * `--snapshot DIR`: after the last checkpoint, a V8 heap snapshot of each variant's first worker there.
 */
import { readdirSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeAllHttpsFetches } from '../src/http/https-fetch.js';
import { TestRp } from '../test/helpers/rp.js';
import { browsersFor, loginOnce, runLogins, type BenchUser, type LoginTarget } from './login.js';
import { pssOf, rssByKind, servingRss } from './proc.js';
import { provision } from './provision.js';
import { startServerProcess, type ServerProcess } from './server.js';
import { buildCompiled } from './startup.js';
import { runsAlone } from './entry.js';

export interface MemoryPoint {
  logins: number;
  sumMiB: number;
  maxMiB: number;
  /** The largest PSS of a serving process: pages shared with the others (the node binary) counted in shares. */
  pssMaxMiB: number;
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
    pssMaxMiB:
      Math.max(...(tree.workers.length ? tree.workers : [tree.root]).map((p) => pssOf(p.pid).pss)) / MiB,
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
    const pss = pssOf(p.pid);
    return `pid ${p.pid}: ${mib(p.rss)} MiB = V8 heap and other anonymous ${mib(k.otherAnonymous)} + malloc thread arenas ${mib(k.mallocThreads)} + malloc main heap ${mib(k.mallocMain)} + files ${mib(k.files)}; PSS ${mib(pss.pss)} (files ${mib(pss.pssFile)})`;
  });
}

/**
 * V8's heap by space (used / committed MiB) and GC time so far, summed over the workers (/metrics,
 * prom-client's default metrics).
 */
export async function heapFigures(server: ServerProcess): Promise<{ spaces: string; gcSeconds: number }> {
  const text = await server.metrics();
  const space = (kind: string) =>
    new Map(
      [
        ...text.matchAll(
          new RegExp(`^tobira_nodejs_heap_space_size_${kind}_bytes\\{space="(\\w+)"[^}]*\\} (\\S+)`, 'gm'),
        ),
      ].map((m) => [m[1]!, Number(m[2]) / MiB]),
    );
  const used = space('used');
  const spaces = [...space('total')]
    .filter(([, total]) => total >= 1)
    .map(([name, total]) => `${name} ${(used.get(name) ?? 0).toFixed(1)}/${total.toFixed(1)}`);
  const gc = [...text.matchAll(/^tobira_nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)/gm)];
  return { spaces: spaces.join(', '), gcSeconds: gc.reduce((sum, m) => sum + Number(m[1]), 0) };
}

/** A heap snapshot of the first worker (V8 writes it on SIGUSR2 into `dir`): its file, once written. */
async function heapSnapshot(server: ServerProcess, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  const tree = server.tree();
  process.kill((tree.workers[0] ?? tree.root).pid, 'SIGUSR2');
  for (let last = -1; ;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    const size = file ? statSync(`${dir}/${file}`).size : -1;
    if (file && size === last && size > 0) {
      console.log(`  heap snapshot: ${dir}/${file}`);
      return file;
    }
    last = size;
  }
}

interface Variant {
  name: string;
  env: Record<string, string>;
  compiledDir?: string;
}

/** `K=V,K=V` (a value may hold `=`, not `,`): settings added to a server's environment. */
export function parseSettings(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** `name[@DIR][:K=V,K=V]` */
function parseVariant(text: string): Variant {
  const m = /^([^@:]+)(?:@([^:]+))?(?::(.*))?$/.exec(text);
  if (!m) throw new Error(`--variant ${text}: expected name[@DIR][:K=V,K=V]`);
  return { name: m[1]!, env: parseSettings(m[3] ?? ''), ...(m[2] ? { compiledDir: m[2] } : {}) };
}

if (runsAlone(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      logins: { type: 'string', default: '3000,10000' },
      clients: { type: 'string', default: '16' },
      variant: { type: 'string', multiple: true, default: ['base'] },
      chunk: { type: 'string', default: '500' },
      snapshot: { type: 'string' },
    },
  });
  const variants = values.variant.map(parseVariant);
  if (values.snapshot)
    for (const v of variants)
      v.env.NODE_OPTIONS = `${v.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${values.snapshot}`;
  const build = variants.every((v) => v.compiledDir) ? null : await buildCompiled();
  if (typeof build === 'string') throw new Error(build);
  const runs = await Promise.all(
    variants.map(async (variant) => {
      const data = await provision(Number(values.clients));
      const server = await startServerProcess({
        dataDir: data.dataDir,
        caPem: data.caPem,
        compiledDir: variant.compiledDir ?? build!.dir,
        env: variant.env,
      });
      const users = browsersFor(data.users, server.url, data.caPem);
      const target = { rp: await TestRp.discover(server.url, data.client, data.caPem), url: server.url };
      return { variant, data, server, users, target, done: 0, cpu: 0, gc: 0, lastDone: 0, seconds: 0 };
    }),
  );
  const say = async (run: (typeof runs)[number]) => {
    const point = memoryPoint(run.server, run.done);
    const cpu = run.server.tree().cpuSeconds;
    const { spaces, gcSeconds } = await heapFigures(run.server);
    const n = run.done - run.lastDone;
    const perLogin = (s: number) => (n > 0 ? ((s * 1000) / n).toFixed(2) : '-');
    console.log(
      `[${run.variant.name}] after ${point.logins} logins: ${point.processes} serving, max ${point.maxMiB.toFixed(0)} MiB (PSS ${point.pssMaxMiB.toFixed(0)}), sum ${point.sumMiB.toFixed(0)} MiB; primary ${point.primaryMiB.toFixed(0)} MiB; server CPU ${perLogin(cpu - run.cpu)} ms/login, GC ${perLogin(gcSeconds - run.gc)} ms/login (over ${n}); ${run.seconds > 0 ? (n / run.seconds).toFixed(1) : '-'} logins/s`,
    );
    console.log(`  V8 heap used/committed MiB (all workers): ${spaces}`);
    for (const line of describeRss(run.server)) console.log(`  ${line}`);
    Object.assign(run, { cpu, gc: gcSeconds, lastDone: run.done, seconds: 0 });
  };
  try {
    for (const run of runs) await say(run);
    for (const run of runs) await Promise.all(run.users.map((u) => loginOnce(run.target, u)));
    for (const run of runs) run.done = run.users.length;
    for (const checkpoint of values.logins.split(',').map(Number)) {
      while (runs.some((r) => r.done < checkpoint))
        for (const run of runs) {
          const count = Math.min(Number(values.chunk), checkpoint - run.done);
          if (count === 0) continue;
          const logins = await runLogins(run.target, run.users, { count });
          run.done += logins.latencies.length;
          run.seconds += logins.seconds;
          // Read at once: a server left idle while the others run has V8's memory reducer shrink its heap.
          if (run.done >= checkpoint) await say(run);
        }
    }
    if (values.snapshot) for (const run of runs) await heapSnapshot(run.server, values.snapshot);
  } finally {
    for (const run of runs) {
      await Promise.all(run.users.map((u) => u.browser.close()));
      await run.server.stop();
      await run.data.remove();
    }
    await build?.remove();
    closeAllHttpsFetches();
  }
  process.exit(0);
}
