/**
 * The server's processes as Linux sees them (/proc): the process `tobira start` runs in and the
 * workers node:cluster forks from it. CPU and RSS read here do not depend on what /metrics covers.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcStat {
  pid: number;
  ppid: number;
  cpuSeconds: number;
}

function stat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS };
  } catch {
    return null; // gone meanwhile
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function exe(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** Every running process below `rootPid`, at any depth. */
function descendants(rootPid: number): ProcStat[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is ProcStat => s !== null);
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of all)
      if (tree.has(s.ppid) && !tree.has(s.pid)) {
        tree.add(s.pid);
        grew = true;
      }
  }
  return all.filter((s) => s.pid !== rootPid && tree.has(s.pid));
}

export interface ProcessTree {
  root: { pid: number; rss: number };
  /**
   * The root's child processes that run node (cluster workers, not tsx's esbuild service); empty
   * when the server runs in one process.
   */
  workers: Array<{ pid: number; rss: number }>;
  /** CPU seconds of the root and every descendant still running. */
  cpuSeconds: number;
}

export function processTree(rootPid: number): ProcessTree {
  const below = descendants(rootPid);
  const node = exe(rootPid);
  return {
    root: { pid: rootPid, rss: rssBytes(rootPid) },
    workers: below
      .filter((s) => s.ppid === rootPid && exe(s.pid) === node)
      .map((s) => ({ pid: s.pid, rss: rssBytes(s.pid) })),
    cpuSeconds: (stat(rootPid)?.cpuSeconds ?? 0) + below.reduce((sum, s) => sum + s.cpuSeconds, 0),
  };
}

/** RSS of the processes serving requests: the workers, or the one process when there are none. */
export function servingRss(tree: ProcessTree): { sum: number; max: number; count: number } {
  const serving = tree.workers.length ? tree.workers : [tree.root];
  return {
    sum: serving.reduce((s, p) => s + p.rss, 0),
    max: Math.max(...serving.map((p) => p.rss)),
    count: serving.length,
  };
}

/** Ends what this process started, directly or not, that still runs (a failed phase's servers). */
export function stopDescendants(): void {
  for (const { pid } of descendants(process.pid))
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
}

/** Where a process's resident memory is, from /proc/<pid>/smaps, in bytes. */
export interface RssByKind {
  /** Mapped files: the node binary, shared libraries, native addons (shared with other processes). */
  files: number;
  /** glibc's main malloc heap ([heap]). */
  mallocMain: number;
  /** glibc's per-thread malloc arenas: anonymous spans of 64 MiB at 64 MiB-aligned addresses. */
  mallocThreads: number;
  /** Every other anonymous mapping: V8's heap above all, thread stacks. */
  otherAnonymous: number;
}

const ARENA_SPAN = 64n * 1024n * 1024n;

export function rssByKind(pid: number): RssByKind {
  const kinds: RssByKind = { files: 0, mallocMain: 0, mallocThreads: 0, otherAnonymous: 0 };
  const maps: Array<{ start: bigint; end: bigint; perm: string; name: string; rss: number }> = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head)
      maps.push({
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perm: head[3]!,
        name: head[4]!,
        rss: 0,
      });
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && maps.length) maps.at(-1)!.rss = Number(rss[1]) * 1024;
  }
  for (const [i, m] of maps.entries()) {
    // An arena's heap is its used part (rw-p) and the reserved rest (---p) of one aligned 64 MiB span.
    const next = maps[i + 1];
    const spanEnd = next?.start === m.end && next.perm === '---p' ? next.end : m.end;
    if (m.name.startsWith('/')) kinds.files += m.rss;
    else if (m.name === '[heap]') kinds.mallocMain += m.rss;
    else if (m.name === '' && m.start % ARENA_SPAN === 0n && spanEnd - m.start === ARENA_SPAN)
      kinds.mallocThreads += m.rss;
    else kinds.otherAnonymous += m.rss;
  }
  return kinds;
}

/**
 * Proportional set size (Linux smaps_rollup): each shared page counted as 1/n in each of the n processes
 * that map it — the node binary's pages and the shared libraries are counted whole in every worker's RSS.
 */
export function pssOf(pid: number): { pss: number; pssFile: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kB = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { pss: kB('Pss'), pssFile: kB('Pss_File') };
}

/** CPU seconds used so far by a process and its descendants (Linux /proc; 0 elsewhere). */
export function processTreeCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    let seconds = (Number(fields[11]) + Number(fields[12])) / TICKS;
    for (const task of readdirSync(`/proc/${pid}/task`))
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' '))
        if (child.trim()) seconds += processTreeCpu(Number(child));
    return seconds;
  } catch {
    return 0;
  }
}

/** Stop a child process (SIGTERM) and wait for it, unless it has ended. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** A serving process's read/write syscalls and bytes read (/proc/<pid>/io) and its main thread's context switches. */
export interface IoReading {
  syscr: number;
  syscw: number;
  rchar: number;
  /** The main thread's voluntary + involuntary switches (it blocked, or was preempted). */
  switches: number;
  preempted: number;
}

export function ioReading(pid: number): IoReading {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    const field = (text: string, name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const preempted = field(status, 'nonvoluntary_ctxt_switches');
    return {
      syscr: field(io, 'syscr'),
      syscw: field(io, 'syscw'),
      rchar: field(io, 'rchar'),
      switches: field(status, 'voluntary_ctxt_switches') + preempted,
      preempted,
    };
  } catch {
    return { syscr: 0, syscw: 0, rchar: 0, switches: 0, preempted: 0 }; // gone meanwhile
  }
}
