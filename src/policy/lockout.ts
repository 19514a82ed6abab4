/** Lockout arithmetic, pure. The store reserves attempt n (1…max) atomically; this says what follows. */
import type { FailureCounter, LockReason } from '../domain.js';
import type { TenantPolicy } from './tenant-policy.js';

/** After the n-th reserved attempt failed: lock when it was the last one; how many remain otherwise. */
export function afterFailure(n: number, max: number): { lock: boolean; remaining: number } {
  const remaining = Math.max(0, max - n);
  return { lock: remaining === 0, remaining };
}

/** Whether to show 「警告：あと N 回…」. */
export const showWarning = (policy: TenantPolicy, remaining: number): boolean =>
  policy.lockout.showRemainingAttempts && remaining > 0;

export function thresholdFor(policy: TenantPolicy, counter: FailureCounter): number {
  switch (counter) {
    case 'password':
      return policy.lockout.maxPasswordFailures;
    case 'secret_answer':
      return policy.lockout.maxSecretAnswerFailures;
    case 'enrollment_otp':
      return policy.lockout.maxEnrollmentOtpFailures;
  }
}

export const lockReasonFor = (counter: FailureCounter): LockReason => counter;
