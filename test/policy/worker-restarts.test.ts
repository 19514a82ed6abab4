/** When the primary restarts a worker and when it gives up (src/policy/worker-restarts.ts). */
import { expect } from 'chai';
import {
  afterExit,
  CRASH_WINDOW_MS,
  freshHistory,
  MAX_FAILED_STARTS,
} from '../../src/policy/worker-restarts.js';

const crash = { listened: true, firstStart: false, signalled: true, cause: 'SIGKILL' };
const failedStart = { listened: false, firstStart: false, signalled: false, cause: 'exit code 1' };

describe('worker restarts', function () {
  it('gives up at once when a worker exits with an error before listening at the first start', function () {
    const { decision } = afterExit(freshHistory(), { ...failedStart, now: 0, firstStart: true });
    expect(decision).to.deep.equal({ kind: 'give_up', reason: 'a worker failed to start (exit code 1)' });
    // Killed by a signal (OOM killer, operator) while starting: retried like a later failed start.
    const killed = afterExit(freshHistory(), { ...failedStart, now: 0, firstStart: true, signalled: true });
    expect(killed.decision).to.deep.equal({ kind: 'restart', delayMs: 250 });
  });

  it('retries failed starts later with a growing back-off, and gives up after five in a row', function () {
    let history = freshHistory();
    const delays: number[] = [];
    for (let i = 1; i <= MAX_FAILED_STARTS; i += 1) {
      const next = afterExit(history, { ...failedStart, now: i });
      history = next.history;
      if (next.decision.kind === 'restart') delays.push(next.decision.delayMs);
      else expect(i).to.equal(MAX_FAILED_STARTS);
    }
    expect(delays).to.deep.equal([250, 500, 1000, 2000]);
    expect(history.failedStarts).to.equal(MAX_FAILED_STARTS);
  });

  it('restarts a crashed worker, doubling the wait for each crash within the minute, up to 30 s', function () {
    let history = freshHistory();
    const delays: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const next = afterExit(history, { ...crash, now: i * 1000 });
      history = next.history;
      delays.push(next.decision.kind === 'restart' ? next.decision.delayMs : -1);
    }
    expect(delays).to.deep.equal([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    // A crash after a quiet minute starts over; a listening worker clears the failed starts.
    const later = afterExit(history, { ...crash, now: 9000 + CRASH_WINDOW_MS });
    expect(later.decision).to.deep.equal({ kind: 'restart', delayMs: 250 });
    const failed = afterExit(freshHistory(), { ...failedStart, now: 0 });
    expect(afterExit(failed.history, { ...crash, now: 1 }).history.failedStarts).to.equal(0);
  });
});
