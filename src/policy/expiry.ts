/** Expiry arithmetic, pure. */
import type { TicketPurpose } from '../domain.js';
import type { TenantPolicy } from './tenant-policy.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const addHours = (date: Date, hours: number): Date => new Date(date.getTime() + hours * HOUR);
export const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * DAY);

/** maxAgeDays 0 means passwords never expire; a password never set counts as not expired. */
export function passwordExpired(policy: TenantPolicy, changedAt: Date | null, now: Date): boolean {
  const maxAge = policy.password.maxAgeDays;
  if (maxAge === 0 || changedAt === null) return false;
  return now.getTime() >= addDays(changedAt, maxAge).getTime();
}

export function ticketExpiry(tickets: TenantPolicy['tickets'], purpose: TicketPurpose, now: Date): Date {
  switch (purpose) {
    case 'enroll':
      return addHours(now, tickets.enrollmentHours);
    case 'cert_download':
      return addHours(now, tickets.downloadHours);
    case 'password_reissue':
      return new Date(now.getTime() + tickets.passwordReissueMinutes * 60_000);
    case 'cert_reissue':
      return addHours(now, tickets.certificateReissueHours);
  }
}
