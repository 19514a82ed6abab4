/**
 * Tobira as `tobira start` runs it, in its own process (and its cluster workers), so that the
 * server's CPU and memory are read apart from the bench's clients.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { HEAP_OPTIONS, workerEnvironment } from '../src/cluster/worker-env.js';
import { createHttpsFetch } from '../src/http/https-fetch.js';
import { freePort } from '../test/helpers/tobira.js';
import { LIMITS } from './provision.js';
import { processTree, type ProcessTree } from './proc.js';
import { ms } from './stats.js';

const TOKEN = 'bench-metrics-token-0123456789';

export interface ServerProcess {
  url: string;
  /** Spawn until /readyz answered 200. */
  readyMs: number;
  metrics(): Promise<string>;
  tree(): ProcessTree;
  stop(): Promise<void>;
}

export async function startServerProcess(options: {
  dataDir: string;
  caPem: string;
  /** TOBIRA_WORKERS; unset = the server's default (one per core). */
  workers?: number;
  /** The compiled tree's directory (`npm run build --out`); unset = the sources through tsx. */
  compiledDir?: string;
  /** Added to the server's environment (its workers inherit it): settings to compare (bench/memory.ts). */
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const args = options.compiledDir
    ? [`${options.compiledDir}/src/cli/main.js`, 'start']
    : ['--import', 'tsx', 'bin/tobira.js', 'start'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TOBIRA_DATA_DIR: options.dataDir,
    TOBIRA_ISSUER: url,
    TOBIRA_HOST: '127.0.0.1',
    TOBIRA_PORT: String(port),
    TOBIRA_LOG_LEVEL: 'error',
    TOBIRA_METRICS_TOKEN: TOKEN,
    TOBIRA_LOGIN_RATE_PER_IP_PER_MINUTE: String(LIMITS.loginRatePerIpPerMinute),
    TOBIRA_LOGIN_RATE_PER_ACCOUNT_PER_MINUTE: String(LIMITS.loginRatePerAccountPerMinute),
  };
  delete env.TOBIRA_WORKERS;
  if (options.workers !== undefined) env.TOBIRA_WORKERS = String(options.workers);
  // A single process's libuv pool sized as a worker's (cluster/worker-env.ts) from its start: bin/tobira.js
  // does so only on Node.js 22+, and the compiled main.js started here not at all (libuv's 4 threads).
  // …and its heap sized as the container image sizes it (Dockerfile NODE_OPTIONS; the workers of a cluster
  // get the same from their primary), so that "1 worker vs all" compares processes with one V8 setting.
  if (options.workers === 1)
    Object.assign(env, workerEnvironment(1), {
      NODE_OPTIONS: HEAP_OPTIONS.join(' '),
    });
  Object.assign(env, options.env);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  const fetch = createHttpsFetch({ ca: options.caPem });
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`tobira start exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 600) throw new Error('tobira did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const readyMs = ms(started);
  return {
    url,
    readyMs,
    metrics: async () =>
      (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text(),
    tree: () => processTree(child.pid!),
    async stop() {
      fetch.close();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
