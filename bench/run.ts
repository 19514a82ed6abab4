/**
 * `npm run bench`: every measurement of issue 13 side by side in one run, written to
 * bench/results/<date>.md (--out DIR elsewhere). Never part of `npm test` but for `--smoke` (tiny counts).
 *  argon2id ceiling → logins at 1/2/4/8 clients (Tobira as `tobira start` runs it, its own processes)
 *  → 1 worker vs all → token side (bench/token-side.ts) → certificate minting and logins under
 *  issuance (bench/issuance.ts) → memory over many logins → start-up compiled vs tsx.
 * The full run builds first and runs every server phase on the compiled JavaScript, as production
 * does (the sources through tsx when the build fails, saying so); --smoke skips the build.
 * Options: --smoke, --out DIR, --clients 1,2,4,8, --seconds 15, --memory-logins 3000,10000,
 * --memory-clients 16, --token-seconds 10, --token-connections 10
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeAllHttpsFetches } from '../src/http/https-fetch.js';
import { TestRp } from '../test/helpers/rp.js';
import { benchArgon2 } from './argon2.js';
import { benchIssuanceApart } from './issuance.js';
import { browsersFor, loginOnce, runLogins, type BenchUser } from './login.js';
import { measureLogins, SWEEP_WARM_UP, type LoginPhase } from './logins.js';
import { benchMemory, memoryPoint, type MemoryPoint } from './memory.js';
import { stopDescendants } from './proc.js';
import { provision, type Provisioned } from './provision.js';
import { renderReport, type BenchResults } from './report.js';
import { startServerProcess, type ServerProcess } from './server.js';
import { buildCompiled, measureStart } from './startup.js';
import { runTokenSide } from './token-side-guard.js';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    clients: { type: 'string' },
    seconds: { type: 'string' },
    'memory-logins': { type: 'string' },
    'memory-clients': { type: 'string' },
    'token-seconds': { type: 'string' },
    'token-connections': { type: 'string' },
  },
});
const smoke = values.smoke;
const list = (text: string) => text.split(',').map(Number);
const clientCounts = list(values.clients ?? '1,2,4,8');
const seconds = Number(values.seconds ?? (smoke ? 1.5 : 15));
const memoryCheckpoints = list(values['memory-logins'] ?? (smoke ? '10,20' : '3000,10000'));
const memoryClients = Number(values['memory-clients'] ?? (smoke ? 4 : 16));
const began = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
// A phase that fails (or ^C) must not leave servers behind: they hold ports and the cores.
process.on('exit', stopDescendants);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const machine = machineInfo();
log(
  `bench${smoke ? ' --smoke' : ''}: ${machine.cores} × ${machine.cpu}, node ${machine.node}, ${machine.commit}, load ${machine.load}`,
);

const argon2 = await benchArgon2({ seconds: smoke ? 1 : 10, sequential: smoke ? 3 : 20 });
log(
  `argon2id: ceiling ${argon2.ceiling.toFixed(1)} verifies/s, ${argon2.cpuPerVerifyMs.toFixed(1)} ms CPU each (libuv pool ${argon2.poolSize}: all workers' threads)`,
);

const build = smoke ? 'skipped in --smoke (it builds the whole tree)' : await buildCompiled();
const compiledDir = typeof build === 'string' ? undefined : build.dir;
const runtime = compiledDir
  ? 'compiled JavaScript (npm run build)'
  : `the sources through tsx (build: ${build as string})`;
log(`servers run ${runtime}`);
const data = await provision(Math.max(memoryClients, ...clientCounts));
const say = (p: LoginPhase) =>
  log(
    `  ${p.clients} clients, ${p.workers} worker(s): ${p.perSecond.toFixed(1)} logins/s, p50 ${p.latency.p50.toFixed(0)} ms, server CPU ${p.serverCpuMs.toFixed(1)} ms/login (${p.cpuSource})`,
  );

// Logins against the default worker count, then the largest client count against one worker.
const startup = {
  tsx: await measureStart(data.dataDir, data.caPem),
  compiled: compiledDir ? await measureStart(data.dataDir, data.caPem, compiledDir) : (build as string),
};
// Both login servers run SWEEP_WARM_UP logins first (bench/logins.ts: when their CPU per login settles).
const warmUp = { logins: smoke ? 0 : SWEEP_WARM_UP, clients: clientCounts.at(-1)! };
const sweep: LoginPhase[] = await withServer(data, { warmUp }, async (server, target, users) => {
  const phases: LoginPhase[] = [];
  for (const count of clientCounts) {
    phases.push(await measureLogins(server, target, users.slice(0, count), { seconds }));
    say(phases.at(-1)!);
  }
  return phases;
});
const one = await withServer(data, { workers: 1, warmUp }, (server, target, users) =>
  measureLogins(server, target, users.slice(0, clientCounts.at(-1)), { seconds }),
);
say(one);
const allPhase = sweep.at(-1)!;
const workersNote =
  allPhase.workers > 1
    ? `Both with ${allPhase.clients} clients; the default ran ${allPhase.workers} worker processes.`
    : 'TOBIRA_WORKERS had no effect in this build (the server ran as one process both times): multi-worker numbers are missing.';

const tokenSide = await runTokenSide({
  seconds: Number(values['token-seconds'] ?? (smoke ? 1 : 10)),
  connections: Number(values['token-connections'] ?? 10),
  tobira: [compiledDir ? { compiledDir } : { tsx: true }],
  log,
});

log('certificate issuance…');
const issuance = await benchIssuanceApart({
  idleLogins: smoke ? 2 : 10,
  crlRequests: smoke ? 5 : 100,
  warmUp: !smoke,
  wave: smoke ? 4 : 10,
  rounds: smoke ? 1 : 8,
  overheadWaves: smoke ? 1 : 4,
});

log(`memory over ${memoryCheckpoints.at(-1)} logins…`);
let start: MemoryPoint | undefined;
const memory = await withServer(
  data,
  { atStart: (server) => (start = memoryPoint(server, 0)) },
  (server, target, users) =>
    benchMemory(server, target, users.slice(0, memoryClients), memoryCheckpoints, start!, users.length),
);

if (typeof build !== 'string') await build.remove();
await data.remove();

const results: BenchResults = {
  machine,
  mode: smoke ? 'smoke' : 'full',
  argon2,
  runtime,
  sweep,
  loginWarmUp: warmUp.logins,
  workers: { one, all: allPhase, note: workersNote },
  tokenSide,
  issuance,
  memory,
  startup,
};
await mkdir(values.out, { recursive: true });
const file = path.join(values.out, `${machine.date}.md`);
await writeFile(file, renderReport(results));
log(`results: ${file}`);
closeAllHttpsFetches();
process.exit(0);

/** Starts `tobira start` on the provisioned data, opens a browser per user, runs `work`, stops it. */
async function withServer<T>(
  provisioned: Provisioned,
  options: {
    workers?: number;
    atStart?: (server: ServerProcess) => void;
    /** Logins (with `clients` at once) after the one per user, before `work`. */
    warmUp?: { logins: number; clients: number };
  },
  work: (
    server: Awaited<ReturnType<typeof startServerProcess>>,
    target: Parameters<typeof loginOnce>[0],
    users: BenchUser[],
  ) => Promise<T>,
): Promise<T> {
  const server = await startServerProcess({
    dataDir: provisioned.dataDir,
    caPem: provisioned.caPem,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(compiledDir ? { compiledDir } : {}),
  });
  options.atStart?.(server);
  const users = browsersFor(provisioned.users, server.url, provisioned.caPem);
  try {
    const target = {
      rp: await TestRp.discover(server.url, provisioned.client, provisioned.caPem),
      url: server.url,
    };
    await Promise.all(users.map((u) => loginOnce(target, u))); // warm-up: connections open, code paths hot
    if (options.warmUp?.logins)
      await runLogins(target, users.slice(0, options.warmUp.clients), { count: options.warmUp.logins });
    return await work(server, target, users);
  } finally {
    await Promise.all(users.map((u) => u.browser.close()));
    await server.stop();
  }
}

function machineInfo(): BenchResults['machine'] {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  const load = os.loadavg();
  const cores = os.availableParallelism();
  return {
    cores,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    commit: `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (+ uncommitted changes in the tree)' : ''}`,
    date: new Date().toISOString().slice(0, 10),
    load: load.map((l) => l.toFixed(2)).join(' / '),
    shared: load[0]! > 0.25 * cores,
  };
}
