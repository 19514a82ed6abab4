#!/usr/bin/env node
// Start-up time (spawn → first 200 from /healthz) and idle RSS (5 s after that) of `tobira start` on
// the SQLite store: through tsx vs compiled (`npm run build` first), each also with mongoose preloaded
// (`--import mongoose`, what every start paid before the MongoDB adapter loaded lazily). Medians of
// RUNS starts per variant (default 5), one after another on an initialised scratch data directory.
//   node scripts/measure-startup.mjs [RUNS]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 5);
const IDLE_MS = 5_000;
const PORT = 18_000 + (process.pid % 1000);
const COMPILED = 'dist/src/cli/main.js';
const VARIANTS = {
  tsx: ['--import', 'tsx', 'src/cli/main.ts', 'start'],
  compiled: [COMPILED, 'start'],
};

if (!existsSync(path.join(ROOT, COMPILED))) throw new Error('run `npm run build` first');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tobira-startup-'));
const env = {
  ...process.env,
  TOBIRA_DATA_DIR: dataDir,
  TOBIRA_ISSUER: `https://127.0.0.1:${PORT}`,
  TOBIRA_HOST: '127.0.0.1',
  TOBIRA_PORT: String(PORT),
  TOBIRA_LOG_LEVEL: 'error',
};
execFileSync(process.execPath, [COMPILED, 'init'], {
  cwd: ROOT,
  env,
  stdio: 'ignore',
});

const healthy = () =>
  new Promise((resolve) => {
    https
      .get({ host: '127.0.0.1', port: PORT, path: '/healthz', rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(args) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore' });
  const exited = once(child, 'exit');
  while (!(await healthy())) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const startup = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const rss = rssMiB(child.pid);
  child.kill('SIGTERM');
  await exited;
  return { startup, rss };
}

console.log(`| variant | start-up to /healthz (ms) | idle RSS (MiB) |\n|---|---|---|`);
for (const [name, args] of Object.entries(VARIANTS)) {
  for (const mongoose of [false, true]) {
    const runs = [];
    for (let i = 0; i < RUNS; i += 1)
      runs.push(await measure([...(mongoose ? ['--import', 'mongoose'] : []), ...args]));
    const label = `${name}${mongoose ? ' + mongoose preloaded' : ''}`;
    const startup = median(runs.map((run) => run.startup)).toFixed(0);
    console.log(`| ${label} | ${startup} | ${median(runs.map((run) => run.rss)).toFixed(0)} |`);
  }
}
rmSync(dataDir, { recursive: true, force: true });
