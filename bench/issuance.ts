/**
 * Certificate work against request handling (issue 13, point 4), with Tobira in this process so that
 * its event loop can be watched (perf_hooks): minting with 10 in parallel against native key
 * generation alone (its floor) and the openssl CLI, in interleaved rounds: random prime search makes
 * RSA-2048 keys cost 42–326 ms of CPU (mean 129, sd 62), so minting ÷ floor of one wave of 10 spreads
 * 0.65–1.33 (p5–p95, simulated from 150 measured keys at a true 0.94) and 8 rounds 0.83–1.05 — so
 * minting's CPU beyond its key is also measured without that randomness (bench/mint-wave.ts), which
 * gives the share of the floor the cores allow (allowedShare); the event loop's longest stall, login and /healthz latency while 10 issuances complete; what one
 * GET /ca/crl.der costs.
 * Alone: `node --import tsx bench/issuance.ts [--rounds 8] [--wave 10] [--logins 10] [--crl 100]`
 * (Tobira from the sources in this process; the load average is printed before and after).
 */
import { execFile } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createClient, createTenant, createUser, type TestUser } from '../test/helpers/fixtures.js';
import { TestRp } from '../test/helpers/rp.js';
import { startTestTobira } from '../test/helpers/tobira.js';
import { BenchBrowser } from './browser.js';
import { browsersFor, loginOnce } from './login.js';
import { mintOverheadCpuMs, reissueWave } from './mint-wave.js';
import { opensslMint } from './openssl-mint.js';
import { LIMITS, PASSWORD } from './provision.js';
import { cpuSince, mean, ms, quantiles, type Quantiles } from './stats.js';
import { runsAlone } from './entry.js';

export interface Stall {
  maxMs: number;
  p99Ms: number;
  /**
   * The longest gap between two 5 ms ticks (Linux: the main thread's /proc schedstat), split into
   * this thread's CPU, its wait for a core (the machine busy) and the rest: blocked, e.g. in a
   * synchronous SQLite commit's fsync. Tells a stall the code causes from one the machine causes.
   */
  longest?: { wallMs: number; cpuMs: number; runQueueMs: number; blockedMs: number };
}

/** The main thread's CPU and run-queue wait so far, in ms (null without /proc). */
function schedstat(): { cpu: number; queue: number } | null {
  try {
    const [cpu, queue] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return { cpu: Number(cpu) / 1e6, queue: Number(queue) / 1e6 };
  } catch {
    return null;
  }
}

/** Watches the event loop from now on; the returned function stops and reports. */
function watchLoop(): () => Stall {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let last = { at: performance.now(), sched: schedstat() };
  let longest: Stall['longest'];
  const ticker = setInterval(() => {
    const now = { at: performance.now(), sched: schedstat() };
    const wallMs = now.at - last.at;
    if (now.sched && last.sched && wallMs > (longest?.wallMs ?? 0)) {
      const cpuMs = now.sched.cpu - last.sched.cpu;
      const runQueueMs = now.sched.queue - last.sched.queue;
      longest = { wallMs, cpuMs, runQueueMs, blockedMs: Math.max(0, wallMs - cpuMs - runQueueMs) };
    }
    last = now;
  }, 5);
  return () => {
    clearInterval(ticker);
    delay.disable();
    return { maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6, ...(longest ? { longest } : {}) };
  };
}

export interface IssuanceResult {
  wave: number;
  /** Per second, 10 at once, over every round. */
  mintRate: number;
  keygenRate: number;
  opensslRate: number | string;
  /** Minting ÷ floor in each round. */
  roundRatios: number[];
  /**
   * This process's CPU (every thread: libuv, mint pool) per key in the floor and per issuance: their
   * ratio is what minting costs over the floor, whatever else the machine runs at the time.
   */
  floorCpuMs: number;
  mintCpuMs: number;
  /**
   * CPU per issuance beyond its key, per wave, keys made beforehand (bench/mint-wave.ts): with the
   * floor's CPU per key F and their mean x, the cores allow minting at F / (F + x) of the floor.
   */
  overheadCpuMs: number[];
  perIssuance: Quantiles;
  stallWave: Stall;
  stallUnderLogins: Stall;
  loginIdle: Quantiles;
  loginDuring: Quantiles;
  healthDuring: Quantiles;
  crl: Quantiles;
  crlCpuMs: number;
}

/** Minting's rate over key generation's that the cores allow: F / (F + x) (overheadCpuMs). */
export const allowedShare = (r: IssuanceResult): number =>
  r.floorCpuMs / (r.floorCpuMs + mean(r.overheadCpuMs));

export interface IssuanceOptions {
  idleLogins: number;
  crlRequests: number;
  /** A first wave before the measured ones (skipped by --smoke). */
  warmUp: boolean;
  /** Issuances at once (issue 13: 10; fewer in --smoke). */
  wave: number;
  /** Rounds of floor, openssl and minting, one after the other (default 8: see the header). */
  rounds?: number;
  /** Waves with keys made beforehand, for minting's CPU beyond the key (default 4). */
  overheadWaves?: number;
}

const SELF = fileURLToPath(import.meta.url);

/**
 * benchIssuance in a process of its own (this module, `--apart`): the event loop watched is then
 * Tobira's and the probes', not also that of a bench whose heap holds every other section's leftovers
 * (one gap of a full run read 50.9 ms of the main thread's own CPU, the longest gaps of two runs of this
 * module alone right after 2.6 and 3.3 ms).
 */
export async function benchIssuanceApart(options: IssuanceOptions): Promise<IssuanceResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, SELF, '--apart', JSON.stringify(options)],
    { maxBuffer: 1 << 24 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as IssuanceResult;
}

export async function benchIssuance(options: IssuanceOptions): Promise<IssuanceResult> {
  const WAVE = options.wave;
  const t = await startTestTobira({ config: LIMITS });
  const browsers: BenchBrowser[] = [];
  try {
    await createTenant(t.tobira, 'p-91', { lockout: { maxPasswordFailures: 100 } });
    const client = await createClient(t.tobira, {
      tenantId: 'p-91',
      redirectUri: 'https://rp.example.test/cb',
    });
    // Two users log in while the ten others have their certificates re-issued.
    const users: TestUser[] = await Promise.all(
      Array.from({ length: WAVE + 2 }, (_, i) =>
        createUser(t.tobira, { tenantId: 'p-91', userId: `p-91-wave${i}`, password: PASSWORD }),
      ),
    );
    const caPem = t.tobira.ca.certificatePem;
    const target = { rp: await TestRp.discover(t.url, client, caPem), url: t.url };
    const loginUsers = browsersFor(users.slice(WAVE), t.url, caPem);
    browsers.push(...loginUsers.map((u) => u.browser));
    const tenant = (await t.tobira.store.getTenant('p-91'))!;
    const wave = () => reissueWave(t.tobira, tenant, users.slice(0, WAVE));
    const watch = watchLoop;

    await loginOnce(target, loginUsers[0]!); // warm-up
    if (options.warmUp) await wave();

    let floorCpu = 0;
    let mintCpu = 0;
    const floor = async () => {
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: WAVE }, () =>
          promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicExponent: 0x10001 }),
        ),
      );
      floorCpu += cpuSince(cpu);
      return ms(start);
    };
    let floorMs = 0;
    let mintMs = 0;
    let opensslMs = 0;
    let opensslFailure: string | null = null;
    const roundRatios: number[] = [];
    const times: number[] = [];
    const stallWave: Stall = { maxMs: 0, p99Ms: 0 };
    for (let round = 0; round < (options.rounds ?? 8); round += 1) {
      const floorWall = await floor();
      floorMs += floorWall;
      await opensslMint(WAVE).then(
        (wall) => (opensslMs += wall),
        (error: unknown) =>
          (opensslFailure = `openssl failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`),
      );
      const stopWatch = watch();
      const waveStart = process.hrtime.bigint();
      const waveCpu = process.cpuUsage();
      times.push(...(await wave()));
      const mintWall = ms(waveStart);
      mintCpu += cpuSince(waveCpu);
      const stall = stopWatch();
      if (stall.longest && stall.longest.wallMs > (stallWave.longest?.wallMs ?? 0))
        stallWave.longest = stall.longest;
      stallWave.maxMs = Math.max(stallWave.maxMs, stall.maxMs);
      stallWave.p99Ms = Math.max(stallWave.p99Ms, stall.p99Ms);
      mintMs += mintWall;
      roundRatios.push(floorWall / mintWall);
    }
    const keygenRate = (roundRatios.length * WAVE * 1000) / floorMs;
    const mintRate = (roundRatios.length * WAVE * 1000) / mintMs;
    const opensslRate = opensslFailure ?? (roundRatios.length * WAVE * 1000) / opensslMs;
    const perIssuance = quantiles(times);
    const overheadCpuMs = await mintOverheadCpuMs(
      t.tobira,
      tenant,
      users.slice(0, WAVE),
      options.overheadWaves ?? 4,
    );

    const idle: number[] = [];
    for (let i = 0; i < options.idleLogins; i += 1) idle.push(await loginOnce(target, loginUsers[i % 2]!));
    const during: number[] = [];
    const health: number[] = [];
    const probe = new BenchBrowser(t.url, { ca: caPem });
    browsers.push(probe);
    let done = false;
    const stopWatch2 = watch();
    const waveDone = wave().finally(() => (done = true));
    await Promise.all([
      ...loginUsers.map(async (u) => {
        while (!done) during.push(await loginOnce(target, u));
      }),
      (async () => {
        while (!done) {
          const start = process.hrtime.bigint();
          await probe.request('/healthz');
          health.push(ms(start));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      waveDone,
    ]);
    const stallUnderLogins = stopWatch2();

    await probe.request('/ca/crl.der');
    const crl: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < options.crlRequests; i += 1) {
      const start = process.hrtime.bigint();
      await probe.request('/ca/crl.der');
      crl.push(ms(start));
    }
    return {
      wave: WAVE,
      mintRate,
      keygenRate,
      opensslRate,
      roundRatios,
      floorCpuMs: (floorCpu * 1000) / (roundRatios.length * WAVE),
      mintCpuMs: (mintCpu * 1000) / (roundRatios.length * WAVE),
      overheadCpuMs,
      perIssuance,
      stallWave,
      stallUnderLogins,
      loginIdle: quantiles(idle),
      loginDuring: quantiles(during),
      healthDuring: quantiles(health),
      crl: quantiles(crl),
      crlCpuMs: (cpuSince(cpu) / options.crlRequests) * 1000,
    };
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    await t.close();
  }
}

if (runsAlone(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '8' },
      wave: { type: 'string', default: '10' },
      logins: { type: 'string', default: '10' },
      crl: { type: 'string', default: '100' },
      /** benchIssuanceApart's child: the options as JSON in, the result as JSON out. */
      apart: { type: 'string' },
    },
  });
  if (values.apart) {
    console.log(JSON.stringify(await benchIssuance(JSON.parse(values.apart) as IssuanceOptions)));
    process.exit(0);
  }
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(`load average before: ${load()}`);
  const r = await benchIssuance({
    idleLogins: Number(values.logins),
    crlRequests: Number(values.crl),
    warmUp: true,
    wave: Number(values.wave),
    rounds: Number(values.rounds),
  });
  const f = (x: number, d = 1) => x.toFixed(d);
  const q = (x: Quantiles) => `p50 ${f(x.p50)} p95 ${f(x.p95)} max ${f(x.max)} ms`;
  console.log(`load average after: ${load()}`);
  console.log(
    `minting ${f(r.mintRate, 2)}/s, floor ${f(r.keygenRate, 2)}/s (ratio ${f(r.mintRate / r.keygenRate, 2)}), openssl ${typeof r.opensslRate === 'number' ? `${f(r.opensslRate, 2)}/s` : r.opensslRate}`,
  );
  console.log(`minting ÷ floor per round: ${r.roundRatios.map((x) => f(x, 2)).join(', ')}`);
  console.log(
    `CPU (all threads): ${f(r.floorCpuMs)} ms per key in the floor, ${f(r.mintCpuMs)} ms per issuance (floor ÷ minting ${f(r.floorCpuMs / r.mintCpuMs, 2)})`,
  );
  console.log(
    `beyond the key: ${r.overheadCpuMs.map((x) => f(x)).join(', ')} ms CPU per issuance; the cores allow ${f(allowedShare(r), 2)} of the floor`,
  );
  console.log(`per issuance: ${q(r.perIssuance)}`);
  const split = (s: Stall) =>
    s.longest
      ? `; longest tick gap ${f(s.longest.wallMs)} ms = main-thread CPU ${f(s.longest.cpuMs)} + waiting for a core ${f(s.longest.runQueueMs)} + blocked ${f(s.longest.blockedMs)}`
      : '';
  console.log(
    `stall, wave alone: max ${f(r.stallWave.maxMs)} p99 ${f(r.stallWave.p99Ms)} ms${split(r.stallWave)}`,
  );
  console.log(
    `stall, wave + logins: max ${f(r.stallUnderLogins.maxMs)} p99 ${f(r.stallUnderLogins.p99Ms)} ms${split(r.stallUnderLogins)}`,
  );
  console.log(
    `login idle ${q(r.loginIdle)}; during ${q(r.loginDuring)}; /healthz during ${q(r.healthDuring)}`,
  );
  console.log(`GET /ca/crl.der ${q(r.crl)}, ${f(r.crlCpuMs, 2)} ms CPU each`);
  process.exit(0);
}
