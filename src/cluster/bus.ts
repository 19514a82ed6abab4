/**
 * What a worker needs from its siblings: ask every worker (or every other one) a question and gather
 * the answers. Services register a handler per topic and never see the IPC: in one process the bus
 * answers locally (`localBus`), under node:cluster through the primary (`workerBus`).
 */
import {
  GATHER_TIMEOUT_MS,
  isPrimaryMessage,
  type GatherScope,
  type PrimaryMessage,
  type WorkerMessage,
} from './protocol.js';

export type Handler = (payload: unknown) => unknown;

export interface ClusterBus {
  /** This worker's slot (0 … workers-1); 0 in a single process. */
  readonly slot: number;
  /** Worker processes serving the port (1: a single process). */
  readonly workers: number;
  handle(topic: string, handler: Handler): void;
  /**
   * Runs `topic`'s handler on every ready worker (`others`: all but this one) and resolves with their
   * results; a worker that fails or stays silent past the timeout is counted in `missing`.
   */
  gather(
    topic: string,
    payload: unknown,
    scope: GatherScope,
  ): Promise<{ results: unknown[]; missing: number }>;
}

/** Runs a handler; an unknown topic answers undefined (a worker that has nothing to do for it). */
async function run(handlers: Map<string, Handler>, topic: string, payload: unknown): Promise<unknown> {
  const handler = handlers.get(topic);
  return handler ? await handler(payload) : undefined;
}

/** One process: `all` is this process, `others` is nobody. */
export function localBus(): ClusterBus {
  const handlers = new Map<string, Handler>();
  return {
    slot: 0,
    workers: 1,
    handle: (topic, handler) => void handlers.set(topic, handler),
    async gather(topic, payload, scope) {
      if (scope === 'others') return { results: [], missing: 0 };
      try {
        return { results: [await run(handlers, topic, payload)], missing: 0 };
      } catch {
        return { results: [], missing: 1 };
      }
    },
  };
}

/** The IPC end a worker has: node:cluster's `process` (send + message events). */
export interface WorkerChannel {
  send(message: WorkerMessage): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/** A worker under node:cluster. Install before building the app, so handlers exist when asks arrive. */
export function workerBus(options: { slot: number; workers: number; channel: WorkerChannel }): ClusterBus {
  const { channel } = options;
  const handlers = new Map<string, Handler>();
  const waiting = new Map<number, (answer: { results: unknown[]; missing: number }) => void>();
  let nextId = 0;
  channel.on('message', (message) => {
    if (!isPrimaryMessage(message)) return;
    void answer(message);
  });
  async function answer(message: PrimaryMessage): Promise<void> {
    if (message.tobira === 'gathered') {
      waiting.get(message.id)?.({ results: message.results, missing: message.missing });
      waiting.delete(message.id);
      return;
    }
    try {
      channel.send({
        tobira: 'reply',
        id: message.id,
        result: await run(handlers, message.topic, message.payload),
      });
    } catch (error) {
      channel.send({ tobira: 'reply', id: message.id, error: String(error) });
    }
  }
  return {
    slot: options.slot,
    workers: options.workers,
    handle: (topic, handler) => void handlers.set(topic, handler),
    gather(topic, payload, scope) {
      const id = nextId++;
      return new Promise((resolve) => {
        // The primary answers within its own timeout; this one covers a primary that is gone.
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve({ results: [], missing: options.workers });
        }, GATHER_TIMEOUT_MS * 2).unref();
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        channel.send({ tobira: 'gather', id, topic, payload, scope });
      });
    },
  };
}
