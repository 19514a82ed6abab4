/**
 * Store.commitWork on MongoDB, one of two ways depending on the server:
 *
 * - In one transaction (replica set, sharded cluster): all or nothing. The ticket is consumed by a
 *   conditional update inside it, so of concurrent units one commits; the others hit a write conflict,
 *   are retried by the driver and then find the ticket used. The Store methods called for the
 *   certificates, tickets and mails join the transaction (base.ts `unit`), so every write carries its
 *   session; the commit carries the majority write concern.
 * - In order, under a ticket claim (FerretDB, standalone server: no transactions). The order makes
 *   every crash point recoverable: claim the ticket for WORK_CLAIM_MS (one holder at a time), write the
 *   records, patch the account, consume the ticket. A unit cut off before the end leaves the ticket
 *   unused and the account as it was, so once the claim lapses the same link runs the use case again;
 *   its new certificates supersede the partial ones. Cut off after the account patch, everything but
 *   the consumption is written, and the account check refuses a rerun ("used").
 */
import type { ClientSession } from 'mongoose';
import { crashPoint } from '../../src/crash-point.js';
import {
  StoreConflictError,
  WORK_CLAIM_MS,
  type Store,
  type WorkDone,
  type WorkUnit,
} from '../../src/store.js';
import type { AccountDoc } from './models/accounts.js';
import type { Models } from './models/index.js';

/** What a unit writes with: the Store methods it calls, the models, and the security epoch's bump. */
interface Writer {
  store: Pick<Store, 'saveIssuedCertificate' | 'createTicket' | 'enqueueMail'>;
  m: Models;
  /** Moves the epoch, inside the unit's transaction when there is one (src/store/epoch.ts). */
  bumpEpoch(): Promise<void>;
}
type Session = ClientSession | undefined;

/** A ticket a unit may redeem: unused, unexpired, and not claimed by a unit still running in order. */
const redeemable = (ticketId: string, now: Date) => ({
  _id: ticketId,
  usedAt: null,
  expiresAt: { $gt: now },
  $or: [{ claimedUntil: null }, { claimedUntil: { $lte: now } }],
});

/** Apply `unit`: in the transaction of `session` when there is one, else in order under a claim. */
export function commitWorkUnit(
  writer: Writer,
  unit: WorkUnit,
  now: Date,
  session: Session,
): Promise<WorkDone | false> {
  return session ? inTransaction(writer, unit, now, session) : inOrder(writer, unit, now);
}

async function inTransaction(
  writer: Writer,
  unit: WorkUnit,
  now: Date,
  session: ClientSession,
): Promise<WorkDone | false> {
  const { m } = writer;
  if (!(await accountAllows(m, unit, session))) return false;
  if (unit.ticketId) {
    const consumed = await m.Ticket.updateOne(
      redeemable(unit.ticketId, now),
      { $set: { usedAt: now, claimedUntil: null } },
      { session },
    );
    if (consumed.modifiedCount !== 1) return false;
  }
  crashPoint('work.ticket');
  const done = await applyWrites(writer, unit, now, session);
  crashPoint('work.account');
  return done;
}

async function inOrder(writer: Writer, unit: WorkUnit, now: Date): Promise<WorkDone | false> {
  const { m } = writer;
  const { ticketId } = unit;
  if (ticketId) {
    const claimed = await m.Ticket.updateOne(redeemable(ticketId, now), {
      $set: { claimedUntil: new Date(now.getTime() + WORK_CLAIM_MS) },
    });
    if (claimed.modifiedCount !== 1) return false;
  }
  crashPoint('work.ticket');
  const release = () =>
    ticketId ? m.Ticket.updateOne({ _id: ticketId }, { $set: { claimedUntil: null } }) : null;
  try {
    if (!(await accountAllows(m, unit, undefined))) {
      await release();
      return false;
    }
    const done = await applyWrites(writer, unit, now, undefined);
    crashPoint('work.account');
    if (ticketId) await m.Ticket.updateOne({ _id: ticketId }, { $set: { usedAt: now, claimedUntil: null } });
    return done;
  } catch (error) {
    await release()?.catch(() => undefined);
    throw error;
  }
}

/** The unit names no account, or its account has the status the unit applies to. */
async function accountAllows(m: Models, { account }: WorkUnit, session: Session): Promise<boolean> {
  if (!account) return true;
  const doc = await m.Account.findById(account.id)
    .session(session ?? null)
    .lean<AccountDoc>();
  return doc?.status === account.whileStatus;
}

/**
 * The unit's records, then its account patch, then the epoch (the last writes before the ticket is
 * consumed in order): a unit that wrote nothing leaves the epoch where it was.
 */
async function applyWrites(
  { store, m, bumpEpoch }: Writer,
  unit: WorkUnit,
  now: Date,
  session: Session,
): Promise<WorkDone> {
  const { account } = unit;
  if (unit.terminal) {
    const { number, ...t } = unit.terminal;
    // Numbers stay unique by the (accountId, number) index; the sequence moves past this one.
    await m.Account.updateOne({ _id: t.accountId }, { $max: { terminalSeq: number } }, { session });
    await m.Terminal.create([{ _id: t.id, ...t, number, createdAt: now, updatedAt: now }], {
      session: session ?? null,
    }).catch((error) => {
      if ((error as { code?: number }).code === 11000)
        throw new StoreConflictError('number', `terminal number ${number} is taken`, { cause: error });
      throw error;
    });
  }
  crashPoint('work.terminal');
  // These Store methods write inside the transaction of `session`, if any (base.ts `unit`).
  const superseded: string[] = [];
  for (const issued of unit.certificates ?? [])
    superseded.push(...(await store.saveIssuedCertificate(issued, now)).superseded);
  crashPoint('work.certificates');
  for (const ticket of unit.tickets ?? []) await store.createTicket(ticket, now);
  for (const mail of unit.mails ?? []) await store.enqueueMail(mail, now);
  crashPoint('work.mails');
  if (account?.patch)
    await m.Account.updateOne(
      { _id: account.id, status: account.whileStatus },
      { $set: { ...account.patch, updatedAt: now } },
      { runValidators: true, session },
    );
  await bumpEpoch();
  return { superseded };
}
