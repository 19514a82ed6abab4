/**
 * The logins sweep of bench/run.ts (1/2/4/8 clients against `tobira start` with its default workers)
 * run alone, against one or several compiled trees side by side, with the server's CPU per login split
 * by thread (issue 13 point 1). Each arm gets its own server, started once and warmed up, on its own copy
 * of one provisioned data directory: the arms start from the same records, and an idle arm's timers
 * (retention purge, CRL re-sign, mail worker, expiry reminders) write to its own SQLite file, not to the
 * one the measured arm is reading. The phases then run interleaved (arm A 1 client, arm B 1 client,
 * A 2 clients, …), so load from elsewhere on the machine falls on both arms alike.
 *
 * Per phase and serving process, from /proc/<pid>/task/<tid>/schedstat: the main thread; libuv's pool
 * (the UV_THREADPOOL_SIZE threads of that process with the most CPU in the phase: argon2id at ~17 ms a
 * verify dwarfs any other thread; the pool also signs the RS256 tokens); the rest (V8's GC and
 * compiler helpers, the cluster's primary). So argon2id's own cost inside the serving processes at
 * load is read (pool CPU per login, an upper bound: RS256 rides along) next to bench/argon2.ts's
 * figure measured alone, and "non-argon2" is given both ways: whole less bench/argon2.ts's CPU per
 * verify (bench/run.ts's figure), and whole less the pool's CPU (everything off the pool).
 * Per login also, summed over the serving processes (/proc/<pid>/io and the main threads' status): read
 * and write syscalls, KiB read, and the main threads' context switches (preempted ones apart). Read
 * syscalls show SQLite's cross-process cost: a connection that begins a read after another process
 * committed drops its whole page cache and reads each page again (pread; ~20 read syscalls per login
 * with 1 worker, ~105 with 2 on Node 24, ~400 KiB).
 *
 * `--warm-up N`: logins each server runs first with the largest client count (default: one per user, as
 * bench/run.ts); their CPU per login is printed per block of 200, to see when it settles. Repeated, the
 * i-th applies to the i-th `--tobira` (one tree twice with two warm-ups compares the warm-ups). `--uv-pool N`
 * (repeatable likewise): the server's UV_THREADPOOL_SIZE, as an operator sets it; `--workers N` (likewise): its
 * TOBIRA_WORKERS, so that 1 worker and all run interleaved; `--env K=V,K=V` (likewise, '' for none): added
 * to its environment (bench/memory.ts's `--variant` settings).
 *
 * Alone: `node --import tsx bench/login-sweep.ts --tobira DIR [--tobira DIR2] [--clients 1,2,4,8]
 * [--seconds 15] [--warm-up N]… [--uv-pool N]… [--workers N]… [--env K=V,…]… [--rounds 1]` (DIR from `node scripts/build.mjs --out DIR`,
 * inside the package). Linux only (/proc).
 */
import { cp, rm } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { closeAllHttpsFetches } from '../src/http/https-fetch.js';
import { TestRp } from '../test/helpers/rp.js';
import { benchArgon2 } from './argon2.js';
import { browsersFor, loginOnce, runLogins, type BenchUser, type LoginTarget } from './login.js';
import { splitByThread, threadSnapshot } from './logins.js';
import { parseSettings } from './memory.js';
import { ioReading, type IoReading } from './proc.js';
import { provision } from './provision.js';
import { startServerProcess, type ServerProcess } from './server.js';
import { quantiles } from './stats.js';

const { values } = parseArgs({
  options: {
    tobira: { type: 'string', multiple: true, default: [] },
    clients: { type: 'string', default: '1,2,4,8' },
    seconds: { type: 'string', default: '15' },
    'warm-up': { type: 'string', multiple: true, default: [] },
    'uv-pool': { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '1' },
    workers: { type: 'string', multiple: true, default: [] },
    env: { type: 'string', multiple: true, default: [] },
  },
});
if (!values.tobira.length) throw new Error('--tobira DIR (a compiled tree) at least once');
const clientCounts = values.clients.split(',').map(Number);
const maxClients = Math.max(...clientCounts);
/** The i-th `--workers` for the i-th arm (the first for the rest); unset = the server's default. */
const workersOf = (i: number) => values.workers[i] ?? values.workers[0];
const workers = Number(workersOf(0) ?? os.availableParallelism());

interface Arm {
  dir: string;
  warmUp: number;
  /** UV_THREADPOOL_SIZE given to the server (as an operator would), or its default. */
  pool: number | undefined;
  /** Added to the server's environment (`--env K=V,K=V`, the i-th for the i-th arm). */
  env: Record<string, string>;
  /** TOBIRA_WORKERS given to the server, or its default (one per core). */
  workers: number | undefined;
  server: ServerProcess;
  target: LoginTarget;
  users: BenchUser[];
}

/** The arm's tree and what it was given. */
const label = (arm: Arm) =>
  [
    `${arm.dir} (warm-up ${arm.warmUp}`,
    ...(arm.pool ? [`pool ${arm.pool}`] : []),
    ...(arm.workers ? [`${arm.workers} workers`] : []),
    ...Object.entries(arm.env).map(([k, v]) => `${k}=${v}`),
  ].join(', ') + ')';

const data = await provision(maxClients);
/** The arms' copies of `data.dataDir` (made while no server has it open), removed at the end. */
const armDataDirs: string[] = [];
const arms: Arm[] = [];
const ms = (ns: number, logins: number) => (ns / logins / 1e6).toFixed(2);
const latency = (samples: number[]) => {
  const q = quantiles(samples);
  return `${q.p50.toFixed(0)} / ${q.p95.toFixed(0)}`;
};
try {
  for (const [i, dir] of values.tobira.entries()) {
    const warmUp = Number(values['warm-up'][i] ?? values['warm-up'][0] ?? maxClients);
    const given = values['uv-pool'][i] ?? values['uv-pool'][0];
    const pool = given ? Number(given) : undefined;
    const armWorkers = workersOf(i) ? Number(workersOf(i)) : undefined;
    const env = parseSettings(values.env[i] ?? '');
    // The server's primary reads an operator's UV_THREADPOOL_SIZE from its environment (this one's copy).
    if (pool) process.env.UV_THREADPOOL_SIZE = String(pool);
    else delete process.env.UV_THREADPOOL_SIZE;
    const dataDir = `${data.dataDir}-arm${i}`;
    armDataDirs.push(dataDir);
    await cp(data.dataDir, dataDir, { recursive: true });
    const server = await startServerProcess({
      dataDir,
      caPem: data.caPem,
      compiledDir: dir,
      ...(armWorkers ? { workers: armWorkers } : {}),
      env,
    });
    const users = browsersFor(data.users, server.url, data.caPem);
    const target = { rp: await TestRp.discover(server.url, data.client, data.caPem), url: server.url };
    arms.push({ dir, warmUp, pool, env, workers: armWorkers, server, target, users });
  }
  for (const arm of arms) {
    // bench/run.ts's warm-up: one login per user (connections open), then the rest in blocks.
    await Promise.all(arm.users.map((u) => loginOnce(arm.target, u)));
    let left = arm.warmUp - arm.users.length;
    for (let block = 1; left > 0; block += 1) {
      const count = Math.min(200, left);
      const before = threadSnapshot(arm.server, arm.pool);
      const run = await runLogins(arm.target, arm.users, { count });
      const s = splitByThread(before, threadSnapshot(arm.server, arm.pool));
      const n = run.latencies.length;
      console.log(
        `warm-up ${arm.dir} block ${block}: ${n} logins, server CPU ${ms(s.whole, n)} ms/login (main ${ms(s.main, n)}, pool ${ms(s.pool, n)}, rest ${ms(s.rest, n)})`,
      );
      left -= count;
    }
  }
  // After the warm-up (nothing else of ours runs) and before the phases: the same figure bench/run.ts uses.
  const argon2 = await benchArgon2({ seconds: 5, sequential: 10, workers });
  console.log(
    `argon2id alone (bench/argon2.ts, libuv pool ${argon2.poolSize}, ${argon2.concurrency} in flight): ${argon2.cpuPerVerifyMs.toFixed(2)} ms CPU per verify, ceiling ${argon2.ceiling.toFixed(1)}/s`,
  );
  console.log(
    '| arm | round | clients | logins | logins/s | server CPU/login | non-argon2 (less alone) | main threads | libuv pool | rest | non-pool | client CPU/login | p50 / p95 ms | read syscalls (KiB) / login | write syscalls / login | main switches (preempted) / login |',
  );
  console.log(
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (let round = 1; round <= Number(values.rounds); round += 1)
    for (const clients of clientCounts)
      for (const arm of arms) {
        const before = threadSnapshot(arm.server, arm.pool);
        const ioBefore = before.serving.map(ioReading);
        const run = await runLogins(arm.target, arm.users.slice(0, clients), {
          seconds: Number(values.seconds),
        });
        const s = splitByThread(before, threadSnapshot(arm.server, arm.pool));
        const n = run.latencies.length;
        const ioAfter = before.serving.map(ioReading);
        const io = (key: keyof IoReading) =>
          ioAfter.reduce((sum, after, j) => sum + after[key] - ioBefore[j]![key], 0) / n;
        const whole = s.whole / n / 1e6;
        console.log(
          `| ${label(arm)} | ${round} | ${clients} | ${n} | ${(n / run.seconds).toFixed(1)} | ${whole.toFixed(2)} | ${(whole - argon2.cpuPerVerifyMs).toFixed(2)} | ${ms(s.main, n)} | ${ms(s.pool, n)} | ${ms(s.rest, n)} | ${ms(s.main + s.rest, n)} | ${((run.clientCpu / n) * 1000).toFixed(2)} | ${latency(run.latencies)} | ${io('syscr').toFixed(0)} (${(io('rchar') / 1024).toFixed(0)}) | ${io('syscw').toFixed(0)} | ${io('switches').toFixed(1)} (${io('preempted').toFixed(1)}) |`,
        );
      }
} finally {
  for (const arm of arms) {
    await Promise.all(arm.users.map((u) => u.browser.close()));
    await arm.server.stop();
  }
  closeAllHttpsFetches();
  await Promise.all(armDataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  await data.remove();
}
process.exit(0);
