/**
 * When the primary restarts a worker that exited, and when it gives up. Pure: the supervisor keeps
 * one history per worker slot and passes the clock in.
 * - A worker that exits with an error before it listens at the very first start: give up at once — the
 *   cause is the configuration or the machine (port taken, bad file), the same for every retry, and
 *   the worker has printed it. Killed by a signal (the OOM killer, an operator) it counts as below.
 * - Later, a worker that fails before it listens counts a failed start; five in a row: give up.
 * - A worker that crashes after it listened is restarted after a back-off that doubles with each crash
 *   of that slot within the last minute (250 ms, 500 ms, … 30 s), so a crash loop cannot spin the CPU.
 */

export interface SlotHistory {
  /** Failed starts in a row (exits before listening). */
  failedStarts: number;
  /** Times (ms) of the crashes after listening within the window. */
  crashes: number[];
}

export type RestartDecision = { kind: 'restart'; delayMs: number } | { kind: 'give_up'; reason: string };

export const MAX_FAILED_STARTS = 5;
export const CRASH_WINDOW_MS = 60_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;

export const freshHistory = (): SlotHistory => ({ failedStarts: 0, crashes: [] });

const backoff = (n: number): number => Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, n - 1));

export function afterExit(
  history: SlotHistory,
  exit: { listened: boolean; now: number; firstStart: boolean; signalled: boolean; cause: string },
): { history: SlotHistory; decision: RestartDecision } {
  if (!exit.listened) {
    const failedStarts = history.failedStarts + 1;
    const next = { ...history, failedStarts };
    if (exit.firstStart && !exit.signalled)
      return {
        history: next,
        decision: { kind: 'give_up', reason: `a worker failed to start (${exit.cause})` },
      };
    if (failedStarts >= MAX_FAILED_STARTS)
      return {
        history: next,
        decision: {
          kind: 'give_up',
          reason: `a worker failed to start ${failedStarts} times in a row (${exit.cause})`,
        },
      };
    return { history: next, decision: { kind: 'restart', delayMs: backoff(failedStarts) } };
  }
  const crashes = [...history.crashes.filter((t) => exit.now - t < CRASH_WINDOW_MS), exit.now];
  return {
    history: { failedStarts: 0, crashes },
    decision: { kind: 'restart', delayMs: backoff(crashes.length) },
  };
}
