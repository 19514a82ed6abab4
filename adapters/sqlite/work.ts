/**
 * Store.commitWork on SQLite: every write of a multi-step use case in one IMMEDIATE transaction, so a
 * crash (or a refusal half-way) leaves none of them. The table methods' own transactions nest as
 * savepoints inside it.
 */
import type Database from 'better-sqlite3';
import { crashPoint } from '../../src/crash-point.js';
import { StoreConflictError, type WorkDone, type WorkUnit } from '../../src/store.js';
import type { AccountTable } from './accounts.js';
import type { CertificateTable } from './certificates.js';
import type { Outbox } from './outbox.js';
import type { TerminalTable } from './terminals.js';
import type { TicketTable } from './tickets.js';

interface WorkTables {
  accounts: AccountTable;
  terminals: TerminalTable;
  certificates: CertificateTable;
  tickets: TicketTable;
  outbox: Outbox;
}

/** Thrown inside the transaction to roll it back when the unit is refused. */
class Refused extends Error {}

export function workCommitter(
  db: Database.Database,
  t: WorkTables,
): (unit: WorkUnit, now: Date) => WorkDone | false {
  const apply = db.transaction((unit: WorkUnit, now: Date): WorkDone => {
    if (unit.ticketId && !t.tickets.consume(unit.ticketId, now)) throw new Refused();
    crashPoint('work.ticket');
    if (unit.account) {
      const { id, whileStatus, patch } = unit.account;
      if (t.accounts.get(id)?.status !== whileStatus) throw new Refused();
      if (patch) t.accounts.update(id, patch, now);
    }
    crashPoint('work.account');
    if (unit.terminal) {
      const { number, ...terminal } = unit.terminal;
      if (t.terminals.create(terminal, now).number !== number)
        throw new StoreConflictError('number', `terminal number ${number} is taken`);
    }
    crashPoint('work.terminal');
    const superseded: string[] = [];
    for (const issued of unit.certificates ?? [])
      superseded.push(...t.certificates.saveIssued(issued, now).superseded);
    crashPoint('work.certificates');
    for (const ticket of unit.tickets ?? []) t.tickets.create(ticket, now);
    for (const mail of unit.mails ?? []) t.outbox.enqueue(mail, now);
    crashPoint('work.mails');
    return { superseded };
  });
  return (unit, now) => {
    try {
      return apply.immediate(unit, now);
    } catch (error) {
      if (error instanceof Refused) return false;
      throw error;
    }
  };
}
