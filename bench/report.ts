/** The results file: markdown tables, one section per measurement, and the targets. */
import type { Argon2Result } from './argon2.js';
import { allowedShare, type IssuanceResult, type Stall } from './issuance.js';
import type { LoginPhase } from './logins.js';
import type { MemoryResult } from './memory.js';
import type { StartupReading } from './startup.js';
import { met, n, pct, table } from './markdown.js';
import type { Quantiles } from './stats.js';
import { renderSummary } from './summary.js';
import { nonArgon2, renderTargets } from './targets.js';

export interface TokenSideRow {
  endpoint: string;
  tobira: number;
  bare: number;
  ratio: number;
}

export interface BenchResults {
  machine: {
    cores: number;
    cpu: string;
    node: string;
    commit: string;
    date: string;
    load: string;
    shared: boolean;
  };
  mode: string;
  /** What the server phases ran: compiled JavaScript, or the sources through tsx. */
  runtime: string;
  argon2: Argon2Result;
  sweep: LoginPhase[];
  /** Logins each login server ran before it was measured (after one per user). */
  loginWarmUp: number;
  /** The same clients against TOBIRA_WORKERS=1 and against the default. */
  workers: { one: LoginPhase; all: LoginPhase; note: string };
  tokenSide: TokenSideRow[] | string;
  issuance: IssuanceResult;
  memory: MemoryResult;
  startup: { tsx: StartupReading; compiled: StartupReading | string };
}

const lat = (q: Quantiles) => [n(q.p50), n(q.p95), n(q.max), String(q.n)];
/** What the main thread did in the longest gap (issuance.ts): its CPU, waiting for a core, blocked. */
const gap = ({ longest: l }: Stall) =>
  l ? `${n(l.cpuMs)} / ${n(l.runQueueMs)} / ${n(l.blockedMs)}` : 'n/a (no /proc)';

function startRow(label: string, s: StartupReading | string): string[] {
  if (typeof s === 'string') return [label, s, '—', '—'];
  return [
    label,
    n(s.readyMs, 0),
    n(s.idleMaxMiB, 0),
    s.primaryMiB === null ? '(one process)' : n(s.primaryMiB, 0),
  ];
}

function loginRows(phases: LoginPhase[], argon2: Argon2Result, label: (p: LoginPhase) => string): string[][] {
  return phases.map((p) => [
    label(p),
    String(p.logins),
    n(p.perSecond),
    pct(p.perSecond / argon2.ceiling),
    ...lat(p.latency).slice(0, 3),
    `${n(p.serverCpuMs)} (${p.cpuSource})`,
    n(nonArgon2(p, argon2)),
    n(p.poolCpuMs),
    n(p.serverCpuMs - p.poolCpuMs),
    n(p.clientCpuMs),
  ]);
}
const LOGIN_HEADERS = [
  'logins',
  'logins/s',
  'share of argon2id ceiling',
  'p50 ms',
  'p95 ms',
  'max ms',
  'server CPU/login ms',
  'server non-argon2 CPU/login ms',
  "of it on libuv's pool ms",
  'off the pool ms',
  'client CPU/login ms',
];

export function renderReport(r: BenchResults): string {
  const { argon2, issuance: iss, memory } = r;
  const best = r.sweep.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const out: string[] = [];
  const section = (title: string, ...body: string[]) =>
    out.push(`## ${title}`, '', ...body.flatMap((b) => [b, '']));

  out.push(
    `# Tobira bench — ${r.machine.date}${r.mode === 'smoke' ? ' (smoke: tiny counts, numbers not meaningful)' : ''}`,
    '',
  );
  section(
    'Machine',
    table(
      ['cores', 'CPU', 'node', 'commit', 'load average at start'],
      [[String(r.machine.cores), r.machine.cpu, r.machine.node, r.machine.commit, r.machine.load]],
    ),
    r.machine.shared
      ? 'The machine was shared with other jobs during this run (load average above); a quiet machine gives higher rates.'
      : 'The machine was otherwise idle at the start of the run.',
    `The servers ran ${r.runtime}.`,
  );
  section(
    'Summary',
    renderSummary(r),
    'Every figure is measured in this run; the sections below give the detail.',
  );
  section(
    'argon2id ceiling',
    table(
      [
        'parameters',
        'verify p50 ms (one at a time)',
        'CPU per verify ms (all cores busy)',
        'ceiling verifies/s',
        'in flight',
        'libuv pool threads',
      ],
      [
        [
          argon2.params,
          n(argon2.sequential.p50),
          n(argon2.cpuPerVerifyMs),
          n(argon2.ceiling),
          String(argon2.concurrency),
          String(argon2.poolSize),
        ],
      ],
    ),
    "The ceiling is what the machine's cores do when they only verify passwords; a login needs one verify. Measured in a process whose libuv pool has the threads of all `tobira start` workers' pools together (each its share of the cores), as the server verifies.",
  );
  section(
    'Logins by clients',
    table(
      ['clients', 'workers', ...LOGIN_HEADERS],
      loginRows(r.sweep, argon2, (p) => `${p.clients} | ${p.workers}`),
    ),
    'Full login: authorization request with the client certificate → password → code → token exchange → userinfo. ' +
      'Each client is one browser per user: one keep-alive HTTPS connection, its PKCS#12 parsed once. ' +
      "The clients run in the bench process on the same cores as the server; server CPU comes from the server's " +
      '/metrics (or /proc over its processes when /metrics did not cover every worker), client CPU from the bench process.',
    `Server time by route at ${best.clients} clients (requests per login × mean): ${best.routes.join('; ') || '—'}.`,
    `Non-argon2 is server CPU less one verify's CPU measured alone (${n(argon2.cpuPerVerifyMs)} ms, argon2id ceiling above). ` +
      "Libuv's pool (argon2id and the RS256 signatures; per serving process its threads with the most CPU, /proc) is read " +
      'in the server at this load: where it exceeds the verify alone, argon2id costs more under co-load (the pool threads ' +
      'time-share the cores with the main threads and the clients) and the ceiling at load is lower than the one above; ' +
      '"off the pool" is everything else (main threads, V8 helpers, the primary). ' +
      `Each server first ran ${r.loginWarmUp} logins (after one per user), as one that has served for a while.`,
  );
  section(
    '1 worker vs all workers',
    table(
      ['TOBIRA_WORKERS', 'clients', 'workers seen', ...LOGIN_HEADERS],
      [
        ['1', ...loginRows([r.workers.one], argon2, (p) => `${p.clients} | ${p.workers}`)[0]!],
        ['default', ...loginRows([r.workers.all], argon2, (p) => `${p.clients} | ${p.workers}`)[0]!],
      ],
    ),
    r.workers.note,
  );
  section(
    'Store calls per login',
    best.store
      ? table(
          ['clients', 'calls/login', 'reads/login', 'writes/login'],
          r.sweep.map((p) => [
            String(p.clients),
            n(p.store?.total ?? NaN),
            n(p.store?.reads ?? NaN),
            n(p.store?.writes ?? NaN),
          ]),
        )
      : 'not available: the server does not expose `tobira_store_calls_total`.',
  );
  section(
    'Token side',
    typeof r.tokenSide === 'string'
      ? `not available: ${r.tokenSide}`
      : table(
          ['endpoint', 'Tobira req/s', 'bare oidc-provider req/s', 'ratio', 'target ≥ 0.80'],
          r.tokenSide.map((t) => [t.endpoint, n(t.tobira), n(t.bare), n(t.ratio, 2), met(t.ratio >= 0.8)]),
        ),
  );
  const openssl = typeof iss.opensslRate === 'number' ? n(iss.opensslRate) : iss.opensslRate;
  section(
    'Certificate minting',
    table(
      [`${iss.wave} at once`, 'per second', 'share of the key-generation floor'],
      [
        ['Tobira: key + certificate + PKCS#12', n(iss.mintRate), pct(iss.mintRate / iss.keygenRate)],
        ['native RSA-2048 key generation alone (floor)', n(iss.keygenRate), '100%'],
        [
          'openssl CLI: key, certificate, PKCS#12',
          openssl,
          typeof iss.opensslRate === 'number' ? pct(iss.opensslRate / iss.keygenRate) : '—',
        ],
      ],
    ),
    `Each issuance: p50 ${n(iss.perIssuance.p50)} ms, max ${n(iss.perIssuance.max)} ms. Random prime search makes the time of 10 keys vary a lot from run to run: the rates are over ${iss.roundRatios.length} rounds of floor, openssl and minting one after the other (minting ÷ floor per round: ${iss.roundRatios.map((r) => n(r, 2)).join(', ')}). CPU of the bench process (every thread): ${n(iss.floorCpuMs)} ms per key in the floor, ${n(iss.mintCpuMs)} ms per issuance (floor ÷ minting ${n(iss.floorCpuMs / iss.mintCpuMs, 2)}), which other load on the machine does not move. Without the keys' randomness (bench/mint-wave.ts: the mint pool handed keys made beforehand), an issuance costs ${iss.overheadCpuMs.map((x) => n(x)).join(', ')} ms of CPU beyond its key (${iss.overheadCpuMs.length} waves): the cores allow minting at ${pct(allowedShare(iss))} of key generation alone (F ÷ (F + x), F the floor's CPU per key) — the target's reading.`,
  );
  section(
    'Login latency under issuance',
    table(
      ['', 'p50 ms', 'p95 ms', 'max ms', 'n'],
      [
        ['login, 2 clients, idle', ...lat(iss.loginIdle)],
        [`login, 2 clients, while ${iss.wave} issuances complete`, ...lat(iss.loginDuring)],
        ['/healthz meanwhile', ...lat(iss.healthDuring)],
        ['GET /ca/crl.der (keep-alive)', ...lat(iss.crl)],
      ],
    ),
    table(
      ['event loop', 'longest stall ms', 'p99 ms', 'longest gap: own CPU / waiting for a core / blocked ms'],
      [
        [`${iss.wave} issuances alone`, n(iss.stallWave.maxMs), n(iss.stallWave.p99Ms), gap(iss.stallWave)],
        [
          `${iss.wave} issuances with 2 clients logging in`,
          n(iss.stallUnderLogins.maxMs),
          n(iss.stallUnderLogins.p99Ms),
          gap(iss.stallUnderLogins),
        ],
      ],
    ),
    `Tobira runs in the bench process here so that its event loop can be watched. CRL: ${n(iss.crlCpuMs)} ms CPU per request (server + client).`,
  );
  section(
    'Memory',
    table(
      [
        'after logins',
        'serving processes',
        'RSS sum MiB',
        'RSS max per process MiB',
        'PSS max per process MiB',
        'primary process MiB',
      ],
      memory.points.map((p) => [
        String(p.logins),
        String(p.processes),
        n(p.sumMiB, 0),
        n(p.maxMiB, 0),
        n(p.pssMaxMiB, 0),
        p.processes > 1 ? n(p.primaryMiB, 0) : '(the one process)',
      ]),
    ),
    `${memory.clients} clients, ${n(memory.perSecond)} logins/s, on a freshly started server (default workers; the cluster's primary serves no requests and is shown apart). PSS counts a page the processes share (the node binary, shared libraries) in shares; RSS counts it whole in each.`,
  );
  const c = r.startup.compiled;
  section(
    'Start-up',
    table(
      ['', 'spawn → /readyz ms', 'idle RSS max per worker MiB', 'primary process MiB'],
      [startRow('sources through tsx', r.startup.tsx), startRow('compiled (npm run build)', c)],
    ),
    'Both with the default number of workers (spawn → every worker listening and the store ready).',
  );
  out.push(renderTargets(r, best));
  return out.join('\n');
}
