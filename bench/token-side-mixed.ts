/**
 * The token side under a mixed load (issue 13 point 3): how often the records kept across requests
 * (store/request-cache.ts) still answer userinfo while logins run alongside — every write that could
 * change a kept record moves the store's security epoch, and a login writes accounts, sessions and
 * grants. Tobira as bench/token-side.ts runs it (compiled, one worker, a real login's tokens); for each
 * phase, userinfo is hammered by autocannon for `seconds` while `browsers` login loops (certificate,
 * password, code exchange; a new browser each time) run against the same process, and the server's
 * `tobira_kept_records_total` says how many kept-record reads were answered from memory.
 *
 * Alone: `node --import tsx bench/token-side-mixed.ts [--seconds 10] [--connections 8]
 * [--browsers 0,1,2] [--tobira <dir>]…` (no --tobira: built into var/ first).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCompiled } from './startup.js';
import { processTreeCpu } from './proc.js';
import { hammer, refreshGrant, startTobira, type Side } from './token-side.js';
import { runsAlone } from './entry.js';

export interface MixedPhase {
  side: string;
  browsers: number;
  userinfoPerSecond: number;
  loginsPerSecond: number;
  /** hits ÷ (hits + misses) of kept-record reads in the phase; null when there were none. */
  hitRate: number | null;
  /** Server CPU per userinfo request, logins' CPU included (so only comparable at 0 browsers). */
  cpuMsPerRequest: number;
}

/** hit and miss counts of `tobira_kept_records_total` in an exposition. */
function keptCounts(exposition: string): { hit: number; miss: number } {
  const count = (outcome: string) =>
    Number(
      new RegExp(`^tobira_kept_records_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm').exec(exposition)?.[1] ??
        0,
    );
  return { hit: count('hit'), miss: count('miss') };
}

async function phase(side: Side, browsers: number, seconds: number, connections: number) {
  const token = await refreshGrant(side);
  const before = keptCounts(await side.metrics!());
  const cpuBefore = processTreeCpu(side.pid);
  let logins = 0;
  let running = true;
  const loops = Array.from({ length: browsers }, async () => {
    while (running) {
      await side.login!();
      logins += 1;
    }
  });
  const run = await hammer(side, 'userinfo', token, { seconds, connections }).finally(() => {
    running = false;
  });
  await Promise.all(loops);
  const cpu = processTreeCpu(side.pid) - cpuBefore;
  const after = keptCounts(await side.metrics!());
  const hits = after.hit - before.hit;
  const misses = after.miss - before.miss;
  return {
    side: side.name,
    browsers,
    userinfoPerSecond: run.requests / run.seconds,
    loginsPerSecond: logins / run.seconds,
    hitRate: hits + misses > 0 ? hits / (hits + misses) : null,
    cpuMsPerRequest: (1000 * cpu) / run.requests,
  };
}

export async function benchTokenSideMixed(opts: {
  seconds: number;
  connections: number;
  browsers: readonly number[];
  compiledDirs: readonly string[];
  log?: (line: string) => void;
}): Promise<MixedPhase[]> {
  const sides: Side[] = [];
  const results: MixedPhase[] = [];
  try {
    for (const dir of opts.compiledDirs)
      sides.push(await startTobira({ compiledDir: dir }, path.basename(dir)));
    for (const side of sides)
      await hammer(side, 'userinfo', await refreshGrant(side), { seconds: 2, connections: opts.connections });
    // Phases taken in turn over the sides, so a burst of load from other processes hits them alike.
    for (const browsers of opts.browsers)
      for (const side of sides) {
        const result = await phase(side, browsers, opts.seconds, opts.connections);
        results.push(result);
        opts.log?.(
          `${result.side}, ${browsers} login loop(s): userinfo ${result.userinfoPerSecond.toFixed(0)}/s, logins ${result.loginsPerSecond.toFixed(1)}/s, kept-record hit rate ${result.hitRate === null ? 'n/a' : `${(100 * result.hitRate).toFixed(1)}%`}, server CPU per userinfo ${result.cpuMsPerRequest.toFixed(3)} ms`,
        );
      }
    return results;
  } finally {
    for (const side of sides) await side.stop();
  }
}

if (runsAlone(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '8' },
      browsers: { type: 'string', default: '0,1,2' },
      tobira: { type: 'string', multiple: true },
    },
  });
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  const build = values.tobira?.length ? undefined : await buildCompiled();
  if (typeof build === 'string') throw new Error(build);
  try {
    await benchTokenSideMixed({
      seconds: Number(values.seconds),
      connections: Number(values.connections),
      browsers: values.browsers.split(',').map(Number),
      compiledDirs: build ? [build.dir] : values.tobira!,
      log: (line) => console.log(line),
    });
  } finally {
    await build?.remove();
  }
  process.exit(0);
}
