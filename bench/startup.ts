/**
 * Start-up of the compiled JavaScript (`npm run build`, as production runs it) against the sources
 * through tsx: spawn until /readyz, and the idle RSS. The build goes to var/ (inside the package, so
 * that node_modules resolve; ignored by git) and is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { servingRss } from './proc.js';
import { startServerProcess } from './server.js';

export interface StartupReading {
  readyMs: number;
  idleSumMiB: number;
  idleMaxMiB: number;
}

export async function benchCompiledStart(dataDir: string, caPem: string): Promise<StartupReading | string> {
  const out = `var/bench-dist-${process.pid}`;
  try {
    await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--out', out], { maxBuffer: 1 << 24 });
  } catch (error) {
    await rm(out, { recursive: true, force: true });
    const text = error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error);
    return `npm run build failed: ${text}`;
  }
  try {
    const server = await startServerProcess({ dataDir, caPem, compiledDir: out });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500)); // let the workers settle
      const rss = servingRss(server.tree());
      return { readyMs: server.readyMs, idleSumMiB: rss.sum / 1048576, idleMaxMiB: rss.max / 1048576 };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
