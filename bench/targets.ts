/** The targets against this run's readings: measured value and whether each is met. */
import type { Argon2Result } from './argon2.js';
import { allowedShare } from './issuance.js';
import type { LoginPhase } from './logins.js';
import { met, n, pct, table } from './markdown.js';
import { mean } from './stats.js';
import type { BenchResults } from './report.js';

/** Server CPU per login minus one argon2id verify's CPU under load. */
export const nonArgon2 = (phase: LoginPhase, argon2: Argon2Result) =>
  phase.serverCpuMs - argon2.cpuPerVerifyMs;

export function renderTargets(r: BenchResults, best: LoginPhase): string {
  const { argon2, issuance: iss, memory } = r;
  // With the cores given to the server alone, logins/s ÷ verifies/s = argon2 CPU ÷ server CPU per login.
  const projected = argon2.cpuPerVerifyMs / best.serverCpuMs;
  const points = memory.points;
  const [mid, last] = [points.at(-2)!, points.at(-1)!];
  const growth = (last.maxMiB - mid.maxMiB) / mid.maxMiB;
  const token = typeof r.tokenSide === 'string' ? null : r.tokenSide;
  const rows: string[][] = [
    [
      'server non-argon2 CPU per login ≤ 10 ms',
      `${n(nonArgon2(best, argon2))} ms at ${best.clients} clients (less one verify alone; off libuv's pool ${n(best.serverCpuMs - best.poolCpuMs)} ms, the pool ${n(best.poolCpuMs)} ms per login at load vs ${n(argon2.cpuPerVerifyMs)} alone)`,
      met(nonArgon2(best, argon2) <= 10),
    ],
    [
      'logins ≥ 75% of the argon2id ceiling of the cores given to the server',
      `${pct(projected)} (argon2 CPU alone ÷ server CPU per login); ${pct(best.perSecond / argon2.ceiling)} of the ceiling measured alone, while the clients shared the cores`,
      met(projected >= 0.75),
    ],
    [
      'all workers carry more logins than one',
      `${n(r.workers.all.perSecond)} vs ${n(r.workers.one.perSecond)} logins/s`,
      met(r.workers.all.workers > 1 ? r.workers.all.perSecond > r.workers.one.perSecond : null),
    ],
    [
      'userinfo / introspection / refresh_token ≥ 80% of bare oidc-provider',
      token ? token.map((t) => `${t.endpoint} ${n(t.ratio, 2)}`).join(', ') : 'not available',
      met(token ? token.every((t) => t.ratio >= 0.8) : null),
    ],
    [
      'event loop never stalls > 20 ms during issuance',
      `${n(Math.max(iss.stallWave.maxMs, iss.stallUnderLogins.maxMs))} ms`,
      met(Math.max(iss.stallWave.maxMs, iss.stallUnderLogins.maxMs) <= 20),
    ],
    [
      `minting (${iss.wave} at once) within 15% of the key-generation floor`,
      `${pct(allowedShare(iss))} by CPU (${n(iss.floorCpuMs)} ms per key, ${n(mean(iss.overheadCpuMs))} ms more per issuance); waves of fresh keys ${pct(iss.mintRate / iss.keygenRate)} (per round ${n(Math.min(...iss.roundRatios), 2)}–${n(Math.max(...iss.roundRatios), 2)}: the keys' prime search)`,
      met(allowedShare(iss) >= 0.85),
    ],
    [
      'minting above the openssl CLI',
      typeof iss.opensslRate === 'number' ? `${n(iss.mintRate)} vs ${n(iss.opensslRate)}/s` : iss.opensslRate,
      met(typeof iss.opensslRate === 'number' ? iss.mintRate > iss.opensslRate : null),
    ],
    [
      `RSS ≤ 200 MiB per process after ${last.logins} logins`,
      `${n(last.maxMiB, 0)} MiB max (PSS ${n(last.pssMaxMiB, 0)})`,
      met(last.maxMiB <= 200),
    ],
    [
      `no RSS growth between ${mid.logins} and ${last.logins} logins (≤ 5%)`,
      `${n(mid.maxMiB, 0)} → ${n(last.maxMiB, 0)} MiB (${pct(growth)})`,
      met(growth <= 0.05),
    ],
  ];
  return ['## Targets', '', table(['target (issue 13)', 'measured', ''], rows), ''].join('\n');
}
