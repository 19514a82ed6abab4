/** Role: one-time tickets (the links mailed for enrollment, downloads and recovery). */
import type { Ticket } from '../domain.js';
import type { AttemptReservation } from './results.js';

export type NewTicket = Omit<Ticket, 'usedAt' | 'replacedAt' | 'failedAttempts' | 'createdAt'>;

export interface TicketStore {
  createTicket(ticket: NewTicket, now: Date): Promise<Ticket>;
  getTicketByTokenHash(tokenHash: string): Promise<Ticket | null>;
  /**
   * Mark the ticket used if it is unused and not expired at `now` — one conditional update, so of
   * concurrent callers exactly one gets true.
   */
  consumeTicket(id: string, now: Date): Promise<boolean>;
  /** Like reserveAttempt, on the ticket's own failedAttempts (e.g. download password tries). */
  reserveTicketAttempt(id: string, max: number): Promise<AttemptReservation>;
  /**
   * Expire every unused, unexpired ticket of the account with this purpose, marking it replaced
   * (`replacedAt` = `now`): a new one replaces them, and their links say so rather than "expired".
   */
  invalidateTickets(accountId: string, purpose: Ticket['purpose'], now: Date): Promise<number>;
  /** Delete tickets expired before `before`; returns the number deleted. */
  purgeExpiredTickets(before: Date): Promise<number>;
}
