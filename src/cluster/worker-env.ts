/**
 * Settings a serving process reads once, at its start, from its environment: the primary gives them
 * to the workers it forks, and bin/tobira.js to the single process before anything else runs.
 *
 * libuv's thread pool (UV_THREADPOOL_SIZE, default 4) runs every argon2id verify (and signs the RS256
 * tokens: jose signs through WebCrypto, on the same pool). Each verify mallocs its m = 19 MiB in the glibc
 * arena of the pool thread that runs it, and the arena keeps that block warm for the thread's next verify
 * (glibc's trim threshold follows the largest block freed: 2 × 19 MiB), so a process holds 19 MiB per
 * pool thread that has ever verified. Handing the block back would fault it in afresh at every verify
 * (+7 ms CPU, 37% more per verify, measured with MALLOC_MMAP_THRESHOLD_), so the number of threads is the
 * lever: per serving process, its share of the cores and no more — more verifying threads than cores run
 * no more verifies, they only take turns with the main threads. With 2 workers on 2 cores that is one
 * thread each. Measured on a quiet machine (Node.js 24, compiled, one build, arms interleaved in one run:
 * `bench/login-sweep.ts --tobira D --tobira D --tobira D --uv-pool 2 --uv-pool 1 --uv-pool 2 --workers 2
 * --workers 2 --workers 1 --clients 4,8 --seconds 15 --rounds 2`, load 1.8 at start): 2 workers with one
 * thread each against two each, in all 4 phases, logins/s 57.4 / 62.2 / 57.2 / 61.2 vs 51.6 / 58.5 / 54.9
 * / 55.2, server CPU per login 29.8 / 28.2 / 29.8 / 29.0 vs 32.6 / 30.2 / 31.3 / 32.1 ms (the pool's 20.0–21.1
 * vs 21.5–23.4: four argon2id threads on two cores cost each verify ~2 ms of cache); and
 * `bench/memory.ts --logins 3000,6000 --clients 32 --variant pool2@D --variant 'pool1@D:UV_THREADPOOL_SIZE=1'`
 * right after: the largest worker 201 / 204 vs 180 / 183 MiB (malloc thread arenas 47 vs 27 MiB), 58.1 /
 * 63.0 vs 61.5 / 68.2 logins/s. (An earlier run on a machine loaded by other work, load 6–25, read fewer
 * logins/s with one thread: under CFS fewer threads get a smaller share against that load.) What else
 * uses the pool waits behind a verify (≤ 20 ms): the RS256 signature of a login's tokens, a certificate's
 * signature, asynchronous file reads; nodemailer resolves an SMTP host through c-ares, off the pool, and
 * client keys are made on the mint threads (certs/mint-pool.ts). An operator's UV_THREADPOOL_SIZE wins.
 * Also measured and left (Node.js 24, compiled, 2 workers, 8 clients, interleaved, loaded machine): the
 * pool's threads at nice +5 (so a main thread is not preempted by argon2id): main threads 8.28 / 9.07 /
 * 8.86 vs 8.20 / 9.05 / 9.04 ms per login in one run, 10.23 / 9.75 vs 10.73 / 11.14 in another, pool CPU
 * the same, context switches per login the same — no clear gain.
 *
 * A second worker on 2 cores costs its main threads 1.1–5.6 ms of CPU per login (Node.js 24, 2 workers
 * vs 1, 8 clients, interleaved sweeps with perf; the pool shows no gap): each process runs a login's
 * functions half as often, so more of them run in less optimised code (about half of it); SQLite's page
 * cache is dropped after the other process's commits; each event loop sleeps twice as often. None of it
 * can go while two processes serve, and there 2 workers carry no more logins than 1 (interleaved sweeps:
 * within the noise; the full bench of 0fc8e9e: 43.8 vs 49.4 logins/s).
 *
 * V8's own helper threads (garbage collection, compilation; Node.js's --v8-pool-size, default 4) get the
 * same share but at least 2 (one helper was not measured): each keeps a malloc arena and a stack, ~5 MiB per worker over 2, and more helpers than
 * cores only take turns (the side-by-side run measured no more CPU per login, shorter GC pauses; 4 helpers
 * each measured again on 2 cores: at most a few logins/s more, arm order not ruled out, +4.5 MiB per
 * worker — left at 2). An operator's --v8-pool-size (command line or NODE_OPTIONS) wins.
 */
import { availableParallelism } from 'node:os';

const LIBUV_DEFAULT = 4;

/** As the operator set it: read when this module loads, before `sizeOwnThreadPool` sets it. */
const operatorPoolSize = process.env.UV_THREADPOOL_SIZE;

const shareOfCores = (cores: number, workers: number) => Math.ceil(cores / Math.max(1, workers));

/** Threads in each serving process's libuv pool: its share of the cores, at least 1, at most libuv's 4. */
export function threadPoolSize(cores: number, workers: number): number {
  return Math.min(LIBUV_DEFAULT, Math.max(1, shareOfCores(cores, workers)));
}

/** V8's helper threads in each serving process: its share of the cores, at least 2, at most 4. */
export function helperPoolSize(cores: number, workers: number): number {
  return Math.min(LIBUV_DEFAULT, Math.max(2, shareOfCores(cores, workers)));
}

/** The environment a forked worker adds to the primary's. */
export function workerEnvironment(
  workers: number,
  cores: number = availableParallelism(),
): Record<string, string> {
  return { UV_THREADPOOL_SIZE: operatorPoolSize ?? String(threadPoolSize(cores, workers)) };
}

/**
 * V8's young generation: two semi-spaces of at most this many MiB (V8's default on 64-bit: 16). Under
 * login load both grow to their maximum and stay resident until the worker idles (V8's memory reducer);
 * a login's garbage dies young either way. Bought, side by side in one run (bench/memory.ts --variant,
 * 2 workers on 2 cores, 32 clients, compiled, load 11–16): RSS per worker after 3,000 logins 194–197 →
 * 179–181 MiB, after 10,000 211–230 → 185–207 (old-space garbage awaiting a major GC moves these by
 * ±20 MiB; the live heap after a full GC is 40 MiB); GC pauses per login 3.4 → 3.3 and 2.3 → 3.2 ms
 * (wall-clock at load). CPU per login with and without (bench/login-sweep.ts, same build but this file,
 * 1,500 logins of warm-up, 4 / 8 clients): server 44.0 / 41.3 → 40.6 / 39.6 ms, main threads 14.3 / 12.5
 * → 12.1 / 11.4 ms, V8 helpers 2.9 / 2.2 → 1.6 / 1.4 ms: no cost seen (one round, load ~10). 4 MiB was
 * measured and left (Node.js 24, bench/memory.ts and bench/login-sweep.ts side by side, loaded machine):
 * RSS −2 to −8 MiB per worker, GC pauses per login +0.6 to +0.8 ms, server CPU per login +2 to +6 ms
 * in all 6 interleaved phases against 8 (bench/login-sweep.ts, 2 workers, 4 / 8 clients, 3 rounds). A single process gets these sizes only at its start: the Dockerfile's
 * NODE_OPTIONS and `npm start` carry them (test/cluster/worker-env.test.ts keeps them equal).
 */
export const SEMI_SPACE_MIB = 8;

/**
 * V8's old generation: at most this many MiB. The live heap after 10,000 logins is 40 MiB (heap
 * snapshot), 12× below; the limit also sets how far V8 lets garbage pile up before a full GC: it lets
 * the heap grow to up to 4× what survived the last one when the limit is large (Node.js's default follows
 * the machine's memory: 4 GiB here) and 1.4× at 512 MiB (V8's MaxGrowingFactor). Bought, side by side
 * in one run (bench/memory.ts --variant, 2 workers on 2 cores, 32 clients, compiled, quiet machine):
 * the largest worker after 2,000 / 4,000 / 6,000 logins 241 / 186 / 188 → 179 / 181 / 180 MiB (without
 * it a worker caught before its full GC held 129–142 MiB of V8 heap); GC pauses per login 1.01 / 1.12 /
 * 1.10 → 1.13 / 0.99 / 1.07 ms, server CPU per login 29.1 / 28.6 / 28.1 → 31.4 / 28.2 / 28.9 ms
 * (argon2id included): no cost beyond the noise.
 */
export const OLD_SPACE_MIB = 512;

/** The heap's sizes as Node.js options: a worker's from its primary, and the container image's NODE_OPTIONS. */
export const HEAP_OPTIONS: readonly string[] = [
  `--max-semi-space-size=${SEMI_SPACE_MIB}`,
  `--max-old-space-size=${OLD_SPACE_MIB}`,
];

/**
 * The Node.js options a forked worker starts with: the primary's, plus its V8 helper threads and its
 * heap's sizes. An operator's own --v8-pool-size, --max-semi-space-size or --max-old-space-size (command
 * line or NODE_OPTIONS) wins.
 */
export function workerExecArgv(
  workers: number,
  cores: number = availableParallelism(),
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = (flag: string) =>
    [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => arg.replaceAll('_', '-').startsWith(flag));
  return [
    ...execArgv,
    ...(given('--v8-pool-size') ? [] : [`--v8-pool-size=${helperPoolSize(cores, workers)}`]),
    ...HEAP_OPTIONS.filter((option) => !given(option.slice(0, option.indexOf('=')))),
  ];
}

/**
 * For `tobira start` in this process (the single process, or a primary that forks): libuv reads the
 * variable when its pool first runs work, so this must run before any file is read asynchronously
 * (bin/tobira.js: on Node.js 20 the module loader already has, and the pool keeps libuv's 4).
 */
export function sizeOwnThreadPool(cores: number = availableParallelism()): void {
  process.env.UV_THREADPOOL_SIZE = operatorPoolSize ?? String(threadPoolSize(cores, 1));
}
