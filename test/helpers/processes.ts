/**
 * Tobira as real processes: `tobira start` (and other CLI commands) spawned with an environment, for
 * tests that kill a node (SIGKILL) or run several over one store.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { HttpsFetch } from '../../src/http/https-fetch.js';

const exec = promisify(execFile);
const CLI = ['--import', 'tsx', 'bin/tobira.js'];

/** Runs one CLI command to its end and returns what it printed. */
export async function tobiraCli(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return (await exec(process.execPath, [...CLI, ...args], { env, encoding: 'utf8' })).stdout;
}

/** The environment of a node on `port` over the data directory `dataDir`. */
export function nodeEnv(dataDir: string, port: number, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TOBIRA_DATA_DIR: dataDir,
    TOBIRA_ISSUER: `https://127.0.0.1:${port}`,
    TOBIRA_HOST: '127.0.0.1',
    TOBIRA_PORT: String(port),
    TOBIRA_LOG_LEVEL: 'error',
    TOBIRA_WORKERS: '1',
    ...more,
  };
}

export interface TobiraNode {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit signal (e.g. SIGKILL) or code. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `tobira start` with `env` and waits until /readyz answers (30 s at most). */
export async function startNode(env: NodeJS.ProcessEnv, fetch: HttpsFetch): Promise<TobiraNode> {
  const url = env.TOBIRA_ISSUER!;
  // Ready means this process answers on its own port (nodes behind one issuer share that name).
  const listening = env.TOBIRA_PORT ? `https://${env.TOBIRA_HOST ?? '127.0.0.1'}:${env.TOBIRA_PORT}` : url;
  const child = spawn(process.execPath, [...CLI, 'start'], { env, stdio: 'ignore' });
  const exited = once(child, 'exit').then(([code, signal]) => (signal ?? code) as NodeJS.Signals | number);
  const node: TobiraNode = {
    url,
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  for (let i = 0; i < 150; i += 1) {
    if (child.exitCode !== null) break;
    if (
      await fetch(`${listening}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return node;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`tobira at ${url} did not become ready`);
}
