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
 * What the second of 2 workers on 2 cores costs, 8 clients beside them (issue 13; Node.js 24, compiled,
 * `bench/login-sweep.ts --workers 2 --workers 1`, the single process with the image's heap settings,
 * interleaved 20 s phases, 3 runs; `perf record -a -g` with --perf-basic-prof, `perf stat` per thread):
 * the main threads, +1.1 to +5.6 ms of CPU per login in all 7 phase pairs (quietest run 10.31 / 8.27 vs
 * 7.41 / 7.13; loaded 11.50 / 11.75 / 11.31 vs 9.36 / 8.35 / 6.46); the libuv pool, −4.7 to +2.3 ms:
 * its noise, no gap. The main threads' extra, per login: JavaScript in less optimised code (each worker
 * runs a login's functions half as often, TurboFan takes one after 3,000 calls): samples whose innermost
 * JavaScript frame is baseline (Sparkplug) code 0.6–1.9 ms (4.3 in one loaded phase) vs 0.14–0.37 in one
 * process, TurboFan code 1.7–3.6 vs 2.6–4.7 — with 3,500 logins of warm-up in each process still 1.4 vs
 * 0.2 (not traced further: NODE_OPTIONS refuses --log-deopt); SQLite's page cache dropped by a read after
 * the other worker's commit, 80–100 more read syscalls (0.2–0.4 ms); each event loop sleeps twice as often
 * (epoll waits 20 vs 9, main-thread switches 18 vs 10, pool's 25 vs 16); WAL syncs 1.17 vs 0.92 (one
 * group commit per process); busy-handler sleeps 0.15. 4 V8 helpers per worker left the tiers alike
 * (TurboFan code objects 254 / 192 vs 217 / 203). No cause found that could go while two processes serve:
 * side by side, 39.3 / 46.8 (2 workers) vs 44.3 / 45.6 logins/s (1) — within the noise.
 *
 * V8's own helper threads (garbage collection, compilation; Node.js's --v8-pool-size, default 4) get the
 * same share but at least 2 (one helper was not measured): each keeps a malloc arena and a stack, ~5 MiB per worker over 2, and more helpers than
 * cores only take turns (the side-by-side run measured no more CPU per login, shorter GC pauses). Measured
 * again and left (Node.js 24, compiled, 2 workers on 2 cores): 4 helpers each (NODE_OPTIONS=--v8-pool-size=4)
 * against 2, bench/login-sweep.ts, 8 clients, interleaved, 5 phases in 2 runs: 40.4 / 51.0 / 47.3 / 45.6
 * / 43.7 vs 39.3 / 46.8 / 45.7 / 44.9 / 42.6 logins/s, server CPU per login 42.1 / 34.4 / 37.0 / 38.1 /
 * 40.2 vs 43.7 / 37.6 / 38.1 / 39.0 / 41.5 ms (the pool's CPU lower too, which the helpers do not run:
 * the arms' order, 2 helpers first, not ruled out); bench/memory.ts --clients 32 side by side: 39.5 vs
 * 41.2 ms per login over the first 2,000 logins, 34.9 vs 34.6 over the next 2,000, 27.5 / 27.4 vs 25.4 /
 * 28.2 logins/s, malloc thread arenas +4.5 MiB per worker (largest worker 186 vs 180 MiB). An operator's
 * --v8-pool-size (command line or NODE_OPTIONS) wins.
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
    ...(given('--max-semi-space-size') ? [] : [`--max-semi-space-size=${SEMI_SPACE_MIB}`]),
    ...(given('--max-old-space-size') ? [] : [`--max-old-space-size=${OLD_SPACE_MIB}`]),
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
