/**
 * The compiled JavaScript (`npm run build`), as production runs it, against the sources through tsx:
 * start-up (spawn until /readyz) and idle RSS. The build goes to var/ (inside the package, so that
 * node_modules resolve; ignored by git) and is removed at the end of the run.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { servingRss } from './proc.js';
import { startServerProcess } from './server.js';

export interface StartupReading {
  readyMs: number;
  idleMaxMiB: number;
  primaryMiB: number | null;
}

export interface Build {
  dir: string;
  remove(): Promise<void>;
}

/** The compiled tree, or why there is none (another engineer's work in progress may not compile). */
export async function buildCompiled(): Promise<Build | string> {
  const dir = `var/bench-dist-${process.pid}`;
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--out', dir], { maxBuffer: 1 << 24 });
    return { dir, remove };
  } catch (error) {
    await remove();
    const output = (error as { stdout?: string }).stdout ?? '';
    return `npm run build failed: ${output.split('\n')[0] || String(error).split('\n')[0]}`;
  }
}

export async function measureStart(
  dataDir: string,
  caPem: string,
  compiledDir?: string,
): Promise<StartupReading> {
  const server = await startServerProcess({ dataDir, caPem, ...(compiledDir ? { compiledDir } : {}) });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the workers settle
    const tree = server.tree();
    return {
      readyMs: server.readyMs,
      idleMaxMiB: servingRss(tree).max / 1048576,
      primaryMiB: tree.workers.length ? tree.root.rss / 1048576 : null,
    };
  } finally {
    await server.stop();
  }
}
