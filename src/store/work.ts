/** Role: the unit of work — a multi-step use case's writes applied whole or not at all. */
import type { AccountStatus } from '../domain.js';
import type { AccountPatch } from './accounts.js';
import type { IssuedCertificate, NewTerminal } from './devices.js';
import type { NewMail } from './outbox.js';
import type { NewTicket } from './tickets.js';

/** How long a MongoDB unit of work holds its ticket; after a crash the link works again after this. */
export const WORK_CLAIM_MS = 30_000;

/**
 * The writes of one multi-step use case (enrollment, certificate re-issue, terminal add), prepared
 * beforehand — keys, certificates and sealed mail bodies made — so that `commitWork` applies them as one.
 */
export interface WorkUnit {
  /** The one-time ticket the work redeems: it must be unused and unexpired, and is consumed. */
  ticketId?: string;
  /** The work applies only while the account has status `whileStatus`; `patch` is applied with it. */
  account?: { id: string; whileStatus: AccountStatus; patch?: AccountPatch };
  /** A terminal to create; it must get `number` (the certificate names it), else a conflict on `number`. */
  terminal?: NewTerminal & { number: number };
  certificates?: IssuedCertificate[];
  tickets?: NewTicket[];
  mails?: NewMail[];
}

/** A committed unit: the certificates its issuances superseded (SavedCertificate), for the CRL. */
export interface WorkDone {
  superseded: string[];
}

export interface WorkStore {
  /**
   * Apply a WorkUnit whole, or nothing: false (nothing written) when its ticket is used or expired or
   * its account is not `whileStatus`. SQLite: one transaction, so a crash leaves nothing. MongoDB
   * on a replica set (or sharded): one transaction too. MongoDB standalone and FerretDB (no
   * transactions): the ticket is claimed first and consumed last, and the account patched just
   * before; a unit cut off by a crash leaves the ticket unused, so after the claim lapses
   * (WORK_CLAIM_MS) the same link runs the whole use case again (its new certificates supersede the
   * partial ones). Mail is enqueued by the unit; wake the worker afterwards.
   */
  commitWork(unit: WorkUnit, now: Date): Promise<WorkDone | false>;
}
