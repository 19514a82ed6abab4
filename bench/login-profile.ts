/**
 * Where a login's server CPU goes, by request (issue 13 point 1). One simulated browser logs in again and
 * again against `tobira start` with one worker, so its requests reach the server one at a time; the
 * server's main-thread CPU is read from /proc/<pid>/task/<tid>/schedstat (nanoseconds) before and after
 * each request, which attributes it to that request's route. The other threads (argon2id and RS256
 * signing on the libuv pool, V8's GC and compiler threads) are given per login as a whole and by thread,
 * and the process's CPU per login less one argon2id verify — measured afterwards by bench/argon2.ts with
 * the same libuv pool, which the server gets as a `tobira start` worker does (bench/server.ts) — is
 * the non-argon2 figure of issue 13.
 * The warm-up is long because V8 is: after 300 logins its compiler threads still optimised ~0.45
 * functions per login (~1 ms of their CPU), after 1,500 ~0.1 (--trace-opt, compiled server).
 *
 * Alone: `node --import tsx bench/login-profile.ts [--logins 300] [--warm-up 1500] [--compiled DIR]`
 * (DIR from `node scripts/build.mjs --out DIR`; the sources through tsx without it). Linux only (/proc).
 * Not part of `npm run bench`: a tool for A/B work on the login path — compare two runs' tables.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeAllHttpsFetches } from '../src/http/https-fetch.js';
import { TestRp } from '../test/helpers/rp.js';
import { benchArgon2 } from './argon2.js';
import { browsersFor, loginOnce } from './login.js';
import { provision } from './provision.js';
import { startServerProcess } from './server.js';

const { values } = parseArgs({
  options: {
    logins: { type: 'string', default: '300' },
    'warm-up': { type: 'string', default: '1500' },
    compiled: { type: 'string' },
  },
});
const logins = Number(values.logins);

/** CPU nanoseconds of each thread of `pid` (schedstat's first field: time on a CPU). */
function threadCpu(pid: number): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      cpu.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return cpu;
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const data = await provision(1);
const server = await startServerProcess({
  dataDir: data.dataDir,
  caPem: data.caPem,
  workers: 1,
  ...(values.compiled ? { compiledDir: values.compiled } : {}),
});
const pid = server.tree().root.pid;
const mainCpu = () => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
const rp = await TestRp.discover(server.url, data.client, data.caPem);
const [user] = browsersFor(data.users, server.url, data.caPem);
const target = { rp, url: server.url };

// Each request of the browser and of the relying party, timed by the server's main-thread CPU.
const byRoute = new Map<string, number>();
let recording = false;
async function timed<T>(route: string, request: () => Promise<T>): Promise<T> {
  const before = mainCpu();
  const result = await request();
  if (recording) byRoute.set(route, (byRoute.get(route) ?? 0) + mainCpu() - before);
  return result;
}
const routeOf = (method: string, url: string) =>
  `${method} ${new URL(url, server.url).pathname.replace(/\/[\w-]{16,}/g, '/:id')}`;
const browserRequest = user!.browser.request.bind(user!.browser);
user!.browser.request = (url, form) =>
  timed(routeOf(form ? 'POST' : 'GET', url), () => browserRequest(url, form));
const { customFetch } = await import('openid-client');
const config = rp.config as unknown as Record<symbol, typeof fetch>;
const rpFetch = config[customFetch]!;
config[customFetch] = (url, init) =>
  timed(routeOf(init?.method ?? 'GET', String(url)), async () => {
    const response = await rpFetch(url, init);
    await response.clone().arrayBuffer(); // the whole answer, not just its headers
    return response;
  });

const measured = { wholeProcessNs: 0 };
try {
  for (let i = 0; i < Number(values['warm-up']); i += 1) await loginOnce(target, user!);
  const threadsBefore = threadCpu(pid);
  recording = true;
  for (let i = 0; i < logins; i += 1) await loginOnce(target, user!);
  recording = false;
  const threadsAfter = threadCpu(pid);
  const perLogin = (ns: number) => (ns / logins / 1000).toFixed(0).padStart(6);
  const main = (threadsAfter.get(String(pid)) ?? 0) - (threadsBefore.get(String(pid)) ?? 0);
  const all = sum(threadsAfter) - sum(threadsBefore);
  console.log(`${logins} logins, one worker, ${values.compiled ? `compiled (${values.compiled})` : 'tsx'}`);
  console.log('server CPU µs per login');
  for (const [route, ns] of [...byRoute].sort((a, b) => b[1] - a[1]))
    console.log(`${perLogin(ns)}  ${route}`);
  const routed = [...byRoute.values()].reduce((a, b) => a + b, 0);
  console.log(`${perLogin(main - routed)}  main thread between requests`);
  console.log(`${perLogin(main)}  main thread`);
  console.log(
    `${perLogin(all - main)}  other threads (argon2id, RS256 on the libuv pool; V8 GC and compiler), by thread:`,
  );
  const byThread = [...threadsAfter]
    .filter(([tid]) => tid !== String(pid))
    .map(([tid, ns]) => ns - (threadsBefore.get(tid) ?? 0))
    .filter((ns) => ns / logins > 50_000)
    .sort((a, b) => b - a);
  console.log(`        ${byThread.map((ns) => perLogin(ns).trim()).join(', ')}`);
  console.log(`${perLogin(all)}  whole process`);
  measured.wholeProcessNs = all;
} finally {
  await user!.browser.close();
  closeAllHttpsFetches();
  await server.stop();
  await data.remove();
}
// After the server stopped, so that nothing else runs on its cores.
const argon2 = await benchArgon2({ seconds: 1, sequential: 50, workers: 1 });
// One at a time, as the one browser's logins reach the server.
const nonArgon2 = measured.wholeProcessNs / logins / 1e6 - argon2.sequentialCpuMs;
console.log(
  `${(nonArgon2 * 1000).toFixed(0).padStart(6)}  whole process less one argon2id verify (${argon2.sequentialCpuMs.toFixed(1)} ms CPU each one at a time, measured after it with libuv pool ${argon2.poolSize})`,
);
