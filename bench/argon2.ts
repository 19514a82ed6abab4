/**
 * The floor of a password login: one argon2id verify at Tobira's parameters. Measured one at a time
 * (its latency and CPU) and with every core busy (the ceiling: no login rate can pass it).
 *
 * Measured in a child process whose libuv pool has as many threads as all workers of `tobira start`
 * verify on together (src/cluster/worker-env.ts: each worker's share of the cores — one thread each when
 * the workers are as many as the cores — or the operator's UV_THREADPOOL_SIZE, times the workers), not
 * libuv's default 4: libuv sizes its pool once per process, when it first runs work, and the bench's own
 * process has long done so. With the server's thread count the ceiling is the one of the cores given to
 * the server, and the verify's cost the one the server pays (each pool thread keeps its own 19 MiB block
 * warm; more verifying threads than cores cost each verify more), so "server CPU per login minus one
 * verify" (bench/targets.ts) is not skewed by a different pool.
 *
 * Alone: `node --import tsx bench/argon2.ts [--seconds 10] [--sequential 20] [--workers N]`
 * (N: the workers whose pools are measured together; default one per core, as `tobira start`).
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { workerEnvironment } from '../src/cluster/worker-env.js';
import { DEFAULT_ARGON2, PasswordHasher } from '../src/crypto/password-hasher.js';
import { PASSWORD } from './provision.js';
import { cpuSince, ms, quantiles, type Quantiles } from './stats.js';

export interface Argon2Result {
  params: string;
  sequential: Quantiles;
  /** CPU per verify (ms) one at a time: what a login's verify costs a server that verifies one at a time. */
  sequentialCpuMs: number;
  /** CPU per verify (ms) with all cores busy: what a login's verify costs the server under load. */
  cpuPerVerifyMs: number;
  /** Verifies per second with every core busy. */
  ceiling: number;
  concurrency: number;
  /** Threads in libuv's pool while measuring: all `tobira start` workers' pools together. */
  poolSize: number;
}

interface Options {
  seconds: number;
  sequential: number;
  /** The worker count whose pools are measured together; default one per core (`tobira start`). */
  workers?: number;
}

const SELF = fileURLToPath(import.meta.url);

/** Runs the measurement in a child process with the libuv threads of all workers' pools. */
export async function benchArgon2(options: Options): Promise<Argon2Result> {
  const workers = options.workers ?? os.availableParallelism();
  const threads = Number(workerEnvironment(workers).UV_THREADPOOL_SIZE) * workers;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      ...process.execArgv,
      SELF,
      '--measure',
      '--seconds',
      String(options.seconds),
      '--sequential',
      String(options.sequential),
    ],
    { env: { ...process.env, UV_THREADPOOL_SIZE: String(threads) }, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Argon2Result;
}

/** The measurement itself, in this process as its pool is. */
async function measure(options: Options): Promise<Argon2Result> {
  const hasher = new PasswordHasher();
  const hash = await hasher.hash(PASSWORD);
  await hasher.verify(hash, PASSWORD); // warm-up
  const times: number[] = [];
  const sequentialCpu = process.cpuUsage();
  for (let i = 0; i < options.sequential; i += 1) {
    const start = process.hrtime.bigint();
    await hasher.verify(hash, PASSWORD);
    times.push(ms(start));
  }
  const sequentialCpuMs = (cpuSince(sequentialCpu) / options.sequential) * 1000;
  // Twice the cores in flight keeps every core (and every pool thread) busy.
  const concurrency = os.availableParallelism() * 2;
  const deadline = Date.now() + options.seconds * 1000;
  let verifies = 0;
  const cpu = process.cpuUsage();
  const began = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await hasher.verify(hash, PASSWORD);
        verifies += 1;
      }
    }),
  );
  const seconds = ms(began) / 1000;
  const { memoryCost, timeCost, parallelism } = DEFAULT_ARGON2;
  return {
    params: `m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}`,
    sequential: quantiles(times),
    sequentialCpuMs,
    cpuPerVerifyMs: (cpuSince(cpu) / verifies) * 1000,
    ceiling: verifies / seconds,
    concurrency,
    poolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}

if (process.argv[1] === SELF) {
  const { values } = parseArgs({
    options: {
      measure: { type: 'boolean', default: false },
      seconds: { type: 'string', default: '10' },
      sequential: { type: 'string', default: '20' },
      workers: { type: 'string' },
    },
  });
  const options = {
    seconds: Number(values.seconds),
    sequential: Number(values.sequential),
    ...(values.workers ? { workers: Number(values.workers) } : {}),
  };
  if (values.measure) console.log(JSON.stringify(await measure(options)));
  else {
    const r = await benchArgon2(options);
    console.log(
      `argon2id ${r.params}, libuv pool ${r.poolSize} threads: verify p50 ${r.sequential.p50.toFixed(1)} ms and ${r.sequentialCpuMs.toFixed(1)} ms CPU one at a time; ${r.cpuPerVerifyMs.toFixed(1)} ms CPU each and ${r.ceiling.toFixed(1)} verifies/s with ${r.concurrency} in flight`,
    );
  }
}
