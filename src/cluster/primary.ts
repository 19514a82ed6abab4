/**
 * The primary of `tobira start` with several workers: it only supervises. It forks one worker per
 * slot (node:cluster shares the listening port; on Linux the primary accepts and hands connections out
 * round-robin) with the start-up settings of worker-env.ts, relays gathers between workers
 * (protocol.ts), restarts a worker that exits (policy in worker-restarts.ts), and on SIGTERM / SIGINT
 * passes the signal on and waits for every worker to drain.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log.js';
import { afterExit, freshHistory, type SlotHistory } from '../policy/worker-restarts.js';
import {
  GATHER_TIMEOUT_MS,
  isWorkerMessage,
  WORKER_SLOT_ENV,
  type PrimaryMessage,
  type WorkerMessage,
} from './protocol.js';
import { workerEnvironment, workerExecArgv } from './worker-env.js';

/** A worker that has not drained by then is killed: the last requests get 30 s (server.requestTimeout). */
const STOP_GRACE_MS = 35_000;

interface Slot {
  worker: Worker | null;
  listened: boolean;
  history: SlotHistory;
  restart: NodeJS.Timeout | null;
}

interface PendingGather {
  asker: Worker;
  askerId: number;
  results: unknown[];
  waitingFor: Set<Worker>;
  missing: number;
  timer: NodeJS.Timeout;
}

export interface Supervision {
  /** Resolves with the listening URL once every worker listens for the first time. */
  ready: Promise<string>;
  /** Resolves with the exit code once every worker has gone (after a signal, or after giving up). */
  done: Promise<number>;
}

export function superviseWorkers(options: { workers: number; log: Logger; now?: () => number }): Supervision {
  const { log } = options;
  const now = options.now ?? Date.now;
  const slots: Slot[] = Array.from({ length: options.workers }, () => ({
    worker: null,
    listened: false,
    history: freshHistory(),
    restart: null,
  }));
  const gathers = new Map<number, PendingGather>();
  let nextGather = 0;
  let firstStart = true;
  let stopping: { code: number } | null = null;
  let markReady!: (url: string) => void;
  let markDone!: (code: number) => void;
  const ready = new Promise<string>((resolve) => (markReady = resolve));
  const done = new Promise<number>((resolve) => (markDone = resolve));
  const send = (worker: Worker, message: PrimaryMessage) => {
    if (worker.isConnected()) worker.send(message);
  };

  function fork(index: number): void {
    const slot = slots[index]!;
    slot.restart = null;
    slot.listened = false;
    const worker = cluster.fork({
      ...workerEnvironment(options.workers),
      [WORKER_SLOT_ENV]: String(index),
      TOBIRA_WORKERS: String(options.workers),
    });
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) onMessage(index, worker, message);
    });
    worker.on('exit', (code, signal) => onExit(index, worker, signal));
    // A send to a worker that is going away fails here; unhandled, it would end the primary and so
    // every worker. Its exit follows and is handled there.
    worker.on('error', (error: Error) =>
      log.warn('worker channel error', { worker: index, error: error.message }),
    );
  }

  function onMessage(index: number, worker: Worker, message: WorkerMessage): void {
    const slot = slots[index]!;
    if (message.tobira === 'ready') {
      slot.listened = true;
      log.debug('worker listening', { worker: index, pid: worker.process.pid });
      if (firstStart && slots.every((s) => s.listened)) {
        firstStart = false;
        markReady(message.url);
      }
    } else if (message.tobira === 'gather') {
      const targets = slots
        .map((s) => (s.listened ? s.worker : null))
        .filter((w): w is Worker => w !== null && (message.scope === 'all' || w !== worker));
      const id = nextGather++;
      const pending: PendingGather = {
        asker: worker,
        askerId: message.id,
        results: [],
        waitingFor: new Set(targets),
        missing: 0,
        timer: setTimeout(() => finishGather(id, true), GATHER_TIMEOUT_MS),
      };
      gathers.set(id, pending);
      for (const target of targets)
        send(target, { tobira: 'ask', id, topic: message.topic, payload: message.payload });
      if (targets.length === 0) finishGather(id, false);
    } else {
      const pending = gathers.get(message.id);
      if (!pending?.waitingFor.delete(worker)) return;
      if (message.error === undefined) pending.results.push(message.result);
      else pending.missing += 1;
      if (pending.waitingFor.size === 0) finishGather(message.id, false);
    }
  }

  function finishGather(id: number, timedOut: boolean): void {
    const pending = gathers.get(id);
    if (!pending) return;
    gathers.delete(id);
    clearTimeout(pending.timer);
    const missing = pending.missing + pending.waitingFor.size;
    if (timedOut) log.warn('workers did not answer in time', { missing: pending.waitingFor.size });
    send(pending.asker, { tobira: 'gathered', id: pending.askerId, results: pending.results, missing });
  }

  function onExit(index: number, worker: Worker, signal: string | null): void {
    const slot = slots[index]!;
    const cause = signal ?? `exit code ${worker.process.exitCode}`;
    if (slot.worker !== worker) return;
    slot.worker = null;
    // node:cluster takes a worker out of the round-robin only on 'disconnect', which can trail 'exit':
    // until then a new connection could be handed to the dead process and hang. Close the channel now.
    if (worker.isConnected()) worker.process.disconnect();
    // Gathers still waiting for this worker count it as missing instead of waiting for the timeout.
    for (const [id, pending] of gathers)
      if (pending.waitingFor.delete(worker)) {
        pending.missing += 1;
        if (pending.waitingFor.size === 0) finishGather(id, false);
      }
    if (stopping) {
      if (slots.every((s) => s.worker === null)) markDone(stopping.code);
      return;
    }
    const { history, decision } = afterExit(slot.history, {
      listened: slot.listened,
      now: now(),
      firstStart,
      signalled: signal !== null,
      cause,
    });
    slot.history = history;
    if (decision.kind === 'give_up') {
      log.error('workers keep failing; stopping', { worker: index, reason: decision.reason });
      process.stderr.write(`tobira: ${decision.reason}\n`);
      stop('SIGTERM', 1);
      return;
    }
    log.warn('worker exited; restarting', { worker: index, cause, inMs: decision.delayMs });
    slot.restart = setTimeout(() => fork(index), decision.delayMs);
  }

  function stop(signal: NodeJS.Signals, code: number): void {
    if (stopping) return;
    stopping = { code };
    for (const slot of slots) {
      if (slot.restart) clearTimeout(slot.restart);
      slot.restart = null;
      slot.worker?.process.kill(signal);
    }
    if (slots.every((s) => s.worker === null)) markDone(code);
    setTimeout(() => {
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => {
      log.info('shutting down', { signal, workers: options.workers });
      stop(signal, 0);
    });
  // Round-robin in the primary (Node's default except on Windows, named so NODE_CLUSTER_SCHED_POLICY
  // cannot turn it off): the kernel's own spreading leaves most connections with one worker.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({ execArgv: workerExecArgv(options.workers) });
  for (let i = 0; i < slots.length; i += 1) fork(i);
  return { ready, done };
}
