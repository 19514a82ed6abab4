/**
 * Settings a serving process reads once, at its start, from its environment: the primary gives them
 * to the workers it forks, and bin/tobira.js to the single process before anything else runs.
 *
 * libuv's pool (UV_THREADPOOL_SIZE) runs every argon2id verify and the RS256 signatures. Each verify's
 * 19 MiB block stays warm in its thread's malloc arena (handing it back costs +7 ms CPU per verify), so
 * the number of threads is the memory lever: per process, its share of the cores and no more — more
 * verifying threads than cores run no more verifies, they only take turns with the main threads (2
 * workers on 2 cores: one thread each; measured in 481efb8 and c290e86: more logins/s, −20 MiB per
 * worker). Other pool work (a certificate's signature, asynchronous file reads) waits at most a verify;
 * client keys are made on the mint threads. Measured and left: the pool at nice +5 (949894e).
 *
 * A second worker on 2 cores costs the main threads 1.1–5.6 ms per login — each process runs a login's
 * functions half as often (less optimised code), SQLite's page cache drops after the other's commits,
 * each event loop sleeps twice as often (490e814) — while one main thread is far from its limit on 2
 * cores; the bench reads 2 workers and 1 within the run-to-run noise there.
 *
 * V8's helper threads (--v8-pool-size, default 4) get the same share but at least 2: more only take turns
 * and keep an arena each (+4.5 MiB per worker for 4; 4c9b4ec). An operator's settings always win.
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
 * login load both grow to their maximum and stay resident; a login's garbage dies young either way.
 * 8 MiB: −15 MiB per worker after 3,000 logins, no CPU cost seen; 4 MiB costs +2 to +6 ms per login (41f72bf).
 * A single process gets these sizes only at its start: the Dockerfile's NODE_OPTIONS and `npm start`
 * carry them (test/cluster/worker-env.test.ts keeps them equal).
 */
export const SEMI_SPACE_MIB = 8;

/**
 * V8's old generation: at most this many MiB, 12× the live heap after 10,000 logins (40 MiB). The limit
 * also sets how far garbage piles up before a full GC (V8 lets the heap grow to 4× what survived the
 * last one under Node's machine-sized default, 1.4× at 512): the largest worker 241 → 179 MiB, GC and
 * CPU per login within noise (289f21c).
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
