/**
 * Fault injection for the crash tests (test/integration/crash-steps.test.ts): with
 * TOBIRA_TEST_CRASH_AT=<step> in its environment, the process kills itself with SIGKILL — no shutdown
 * code, no rollback by Tobira — when it reaches that step. Unset (always, in production) it does nothing.
 * Steps are named where a multi-step use case writes: `work.<step>` inside Store.commitWork.
 */
export function crashPoint(step: string): void {
  if (process.env.TOBIRA_TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
