/**
 * FerretDB (a MongoDB wire-protocol server over SQLite) for the MongoDB store's tests: started on
 * loopback on a free port with its data in a temp dir, stopped (and the dir removed) afterwards.
 * The binary is built by `npm test`'s pretest (scripts/ensure-ferretdb.mjs); where it could not be,
 * `ferretDbMissing()` says why, for the skipped test's name.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './tobira.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { version: VERSION } = JSON.parse(readFileSync(path.join(ROOT, 'scripts/ferretdb.json'), 'utf8')) as {
  version: string;
};
export const FERRETDB_VERSION = VERSION;
export const FERRETDB_BINARY = path.join(ROOT, 'var/tools', `ferretdb-${VERSION}`, 'ferretdb');
const START_TIMEOUT_MS = 15_000;

export interface RunningFerretDb {
  /** `mongodb://127.0.0.1:PORT/` — append a database name. */
  uri: string;
  port: number;
  /** Stop the server (SIGTERM, then SIGKILL) and delete its data. */
  stop(): Promise<void>;
}

/** Why FerretDB cannot run here, or null when it can. */
export function ferretDbMissing(): string | null {
  if (existsSync(FERRETDB_BINARY)) return null;
  const go = spawnSync('go', ['version']).status === 0;
  return go
    ? `FerretDB ${VERSION} was not built (run node scripts/ensure-ferretdb.mjs and read its output)`
    : `Go is not installed, so FerretDB ${VERSION} cannot be built`;
}

/** Resolves once a TCP connection to the port succeeds. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startFerretDb(): Promise<RunningFerretDb> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-ferretdb-'));
  const port = await freePort();
  const child = spawn(
    FERRETDB_BINARY,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-', // no metrics listener: several servers may run at once
      '--telemetry=disable',
      '--log-level=ERROR',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`FerretDB did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { uri: `mongodb://127.0.0.1:${port}/`, port, stop };
}

export interface TestMongoServer {
  /** `mongodb` (TOBIRA_TEST_MONGODB_URI) or `ferretdb` (started by this helper). */
  readonly name: string;
  start(): Promise<{ uri: string; stop(): Promise<void> }>;
}

/**
 * The server the MongoDB tests run on: TOBIRA_TEST_MONGODB_URI when set (a real MongoDB, ideally a
 * replica set), else a FerretDB started here; `{ skip }` says why there is none.
 */
export function testMongoServer(): TestMongoServer | { skip: string } {
  const uri = process.env.TOBIRA_TEST_MONGODB_URI;
  if (uri) return { name: 'mongodb', start: async () => ({ uri, stop: async () => undefined }) };
  const missing = ferretDbMissing();
  if (missing) return { skip: `${missing} and TOBIRA_TEST_MONGODB_URI is not set` };
  return { name: `ferretdb ${VERSION}`, start: startFerretDb };
}
