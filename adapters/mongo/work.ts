/**
 * Store.commitWork on MongoDB. No transaction spans these writes (FerretDB and standalone servers have
 * none; the other Store methods keep their own), so the order makes every crash point recoverable:
 * claim the ticket for WORK_CLAIM_MS (one holder at a time), write the records, patch the account,
 * consume the ticket. A unit cut off before the end leaves the ticket unused and the account as it
 * was, so once the claim lapses the same link runs the use case again; its new certificates supersede
 * the partial ones. Cut off after the account patch, everything but the consumption is written, and
 * the account check refuses a rerun ("used").
 */
import { crashPoint } from '../../src/crash-point.js';
import { StoreConflictError, WORK_CLAIM_MS, type Store, type WorkUnit } from '../../src/store.js';
import type { AccountDoc } from './models/accounts.js';
import type { Models } from './models/index.js';

type Writes = Pick<Store, 'saveIssuedCertificate' | 'createTicket' | 'enqueueMail'>;

export async function commitWorkInOrder(
  store: Writes,
  m: Models,
  unit: WorkUnit,
  now: Date,
): Promise<boolean> {
  const { ticketId, account } = unit;
  if (ticketId) {
    const claimed = await m.Ticket.updateOne(
      {
        _id: ticketId,
        usedAt: null,
        expiresAt: { $gt: now },
        $or: [{ claimedUntil: null }, { claimedUntil: { $lte: now } }],
      },
      { $set: { claimedUntil: new Date(now.getTime() + WORK_CLAIM_MS) } },
    );
    if (claimed.modifiedCount !== 1) return false;
  }
  crashPoint('work.ticket');
  const release = () =>
    ticketId ? m.Ticket.updateOne({ _id: ticketId }, { $set: { claimedUntil: null } }) : null;
  try {
    if (
      account &&
      (await m.Account.findById(account.id).lean<AccountDoc>())?.status !== account.whileStatus
    ) {
      await release();
      return false;
    }
    if (unit.terminal) {
      const { number, ...t } = unit.terminal;
      // Numbers stay unique by the (accountId, number) index; the sequence moves past this one.
      await m.Account.updateOne({ _id: t.accountId }, { $max: { terminalSeq: number } });
      await m.Terminal.create({ _id: t.id, ...t, number, createdAt: now, updatedAt: now }).catch((error) => {
        if ((error as { code?: number }).code === 11000)
          throw new StoreConflictError('number', `terminal number ${number} is taken`, { cause: error });
        throw error;
      });
    }
    crashPoint('work.terminal');
    for (const issued of unit.certificates ?? []) await store.saveIssuedCertificate(issued, now);
    crashPoint('work.certificates');
    for (const ticket of unit.tickets ?? []) await store.createTicket(ticket, now);
    for (const mail of unit.mails ?? []) await store.enqueueMail(mail, now);
    crashPoint('work.mails');
    if (account?.patch)
      await m.Account.updateOne(
        { _id: account.id, status: account.whileStatus },
        { $set: { ...account.patch, updatedAt: now } },
        { runValidators: true },
      );
    crashPoint('work.account');
    if (ticketId) await m.Ticket.updateOne({ _id: ticketId }, { $set: { usedAt: now, claimedUntil: null } });
    return true;
  } catch (error) {
    await release()?.catch(() => undefined);
    throw error;
  }
}
