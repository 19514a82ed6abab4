/**
 * The messages between the primary and its workers over node:cluster's IPC channel. Every message
 * carries `tobira: <kind>`, so other users of the channel (none today) are told apart. Payloads are
 * plain JSON values: the channel serialises them.
 *
 * A worker asks for a `gather`: the primary sends an `ask` to every ready worker (all, or all but the
 * asker), collects their `reply`s — or notes the silent ones after a timeout — and answers the asker
 * with one `gathered`. That one exchange carries both the CRL news (a revocation: every worker
 * re-signs before the revoking request is answered) and the metrics scrape (every worker's snapshot).
 */

import type { DemoStatus } from '../services/demo.js';

export type GatherScope = 'all' | 'others';

export type WorkerMessage =
  /** Listening at `url`; the primary sends asks to it from now on. */
  | { tobira: 'ready'; url: string }
  | { tobira: 'gather'; id: number; topic: string; payload: unknown; scope: GatherScope }
  | { tobira: 'reply'; id: number; result?: unknown; error?: string };

export type PrimaryMessage =
  | { tobira: 'ask'; id: number; topic: string; payload: unknown }
  | { tobira: 'gathered'; id: number; results: unknown[]; missing: number };

const KINDS = {
  worker: new Set(['ready', 'gather', 'reply']),
  primary: new Set(['ask', 'gathered']),
};

const kindOf = (message: unknown): unknown =>
  typeof message === 'object' && message !== null ? (message as { tobira?: unknown }).tobira : undefined;

export const isWorkerMessage = (message: unknown): message is WorkerMessage =>
  KINDS.worker.has(kindOf(message) as string);

export const isPrimaryMessage = (message: unknown): message is PrimaryMessage =>
  KINDS.primary.has(kindOf(message) as string);

/** How long a gather waits for a worker's reply: a hung worker delays the asker no longer than this. */
export const GATHER_TIMEOUT_MS = 3000;

/** The environment variable that gives a forked worker its stable slot (0 … workers-1). */
export const WORKER_SLOT_ENV = 'TOBIRA_WORKER_SLOT';

/** Set in the one process the primary forks before its workers to prepare what must exist once (src/cli/prepare.ts). */
export const PREPARE_ENV = 'TOBIRA_PREPARE';

/** What that process reports before it exits: what the primary would otherwise have built Tobira for. */
export interface Prepared {
  tobira: 'prepared';
  store: string;
  caPem: string;
  /** The demo records' credentials (`start --demo`): the primary runs the demo relying party. */
  demo: DemoStatus | null;
}

export const isPrepared = (message: unknown): message is Prepared => kindOf(message) === 'prepared';
