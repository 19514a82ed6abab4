/**
 * Which expiry reminder a certificate is due (pure): the smallest threshold whose window it is in, so
 * a certificate first seen 5 days before its end gets the 7-day mail only, not the 30-day one too. A
 * window the certificate was issued inside (a validity shorter than the threshold) is skipped: a
 * "30 days left" mail the day a 20-day certificate arrives would only confuse.
 */
const DAY = 86_400_000;

export interface ReminderWindow {
  notBefore: Date;
  notAfter: Date;
}

/** Thresholds in days, largest first, without duplicates. */
export const reminderThresholds = (days: readonly number[]): number[] =>
  [...new Set(days)].sort((a, b) => b - a);

/** The threshold (days) due at `now`, or null when none is (not yet, already expired, or issued inside). */
export function dueReminder(cert: ReminderWindow, thresholds: readonly number[], now: Date): number | null {
  const left = cert.notAfter.getTime() - now.getTime();
  if (left <= 0) return null;
  let due: number | null = null;
  for (const days of thresholds) {
    const windowStart = cert.notAfter.getTime() - days * DAY;
    if (left <= days * DAY && cert.notBefore.getTime() < windowStart && (due === null || days < due))
      due = days;
  }
  return due;
}
