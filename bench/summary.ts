/** The run in one short table (the results file's "Summary", which README's Benchmarks section quotes). */
import { n, table } from './markdown.js';
import type { BenchResults } from './report.js';
import { nonArgon2 } from './targets.js';

const range = (values: number[], digits = 1) => {
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return lo.toFixed(digits) === hi.toFixed(digits) ? n(lo, digits) : `${n(lo, digits)}–${n(hi, digits)}`;
};

export function renderSummary(r: BenchResults): string {
  const { argon2, sweep, issuance: iss, memory } = r;
  const store = sweep.at(-1)!.store;
  const points = memory.points;
  const stall = Math.max(iss.stallWave.maxMs, iss.stallUnderLogins.maxMs);
  const openssl = typeof iss.opensslRate === 'number' ? `${n(iss.opensslRate)}/s` : iss.opensslRate;
  const c = r.startup.compiled;
  const rows: string[][] = [
    [
      'argon2id verify',
      `p50 ${n(argon2.sequential.p50)} ms, ${n(argon2.cpuPerVerifyMs)} ms CPU; ceiling ${n(argon2.ceiling)} verifies/s (libuv pool ${argon2.poolSize}: all workers' threads)`,
    ],
    [
      `logins, ${sweep.map((p) => p.clients).join('/')} clients, ${sweep.at(-1)!.workers} workers`,
      `${range(sweep.map((p) => p.perSecond))} logins/s; server CPU ${range(sweep.map((p) => p.serverCpuMs))} ms per login, ` +
        `of which not argon2id ${range(sweep.map((p) => nonArgon2(p, argon2)))} ms (off libuv's pool ${range(sweep.map((p) => p.serverCpuMs - p.poolCpuMs))} ms); clients ${range(sweep.map((p) => p.clientCpuMs))} ms`,
    ],
    [
      `1 worker vs ${r.workers.all.workers}, ${r.workers.all.clients} clients`,
      `${n(r.workers.one.perSecond)} vs ${n(r.workers.all.perSecond)} logins/s`,
    ],
    [
      'store calls per login',
      store
        ? `${n(store.reads ?? NaN)} reads + ${n(store.writes ?? NaN)} writes`
        : 'not exposed by the server',
    ],
    [
      'token side, Tobira ÷ bare oidc-provider',
      typeof r.tokenSide === 'string'
        ? r.tokenSide
        : r.tokenSide.map((t) => `${t.endpoint} ${n(t.ratio, 2)}`).join(', '),
    ],
    [
      `minting, ${iss.wave} at once`,
      `${n(iss.mintRate)}/s; native key generation alone ${n(iss.keygenRate)}/s; openssl CLI ${openssl}`,
    ],
    [
      `login while ${iss.wave} issuances complete`,
      `p50 ${n(iss.loginDuring.p50, 0)} ms, p95 ${n(iss.loginDuring.p95, 0)} ms (idle p50 ${n(iss.loginIdle.p50, 0)} ms); ` +
        `/healthz p95 ${n(iss.healthDuring.p95, 0)} ms; event loop's longest stall ${n(stall, 0)} ms`,
    ],
    ['RSS per worker (max)', points.map((p) => `${n(p.maxMiB, 0)} MiB after ${p.logins} logins`).join(' → ')],
    [
      'start-up, default workers',
      `compiled ${typeof c === 'string' ? c : `${n(c.readyMs / 1000)} s, ${n(c.idleMaxMiB, 0)} MiB per worker`}; ` +
        `tsx ${n(r.startup.tsx.readyMs / 1000)} s, ${n(r.startup.tsx.idleMaxMiB, 0)} MiB`,
    ],
  ];
  return table(['', 'measured'], rows);
}
