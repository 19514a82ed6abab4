/**
 * The contract's concurrency guarantees, raced for real: several processes, each with its own
 * connection to one store, released together on the same ids. (In one process the SQLite driver runs
 * calls one after another, so `concurrently()` in the contract cannot catch a read-then-write there.)
 * Many ids per race, so a non-atomic update loses on at least one of them.
 */
import { expect } from 'chai';
import type { AttemptReservation, Store } from '../../src/store.js';
import { Racers, type RaceTarget } from '../helpers/racers.js';
import { fixtures, mailInput, T0, ticketInput } from './contract/context.js';

export interface RaceSetup {
  /** The test's own connection, for fixtures and the final reads. */
  store: Store;
  /** Where the contenders connect: the same file or database. */
  target: RaceTarget;
  cleanup(): Promise<void>;
}

const CONTENDERS = 4;
const IDS = 12;
const now = T0.getTime();

/** 1 … n, the numbers an atomic counter hands out exactly once each. */
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The results per id, all contenders together: results[worker][id][call] → byId[id] = all calls. */
function byId<T>(results: T[][][]): T[][] {
  return results[0]!.map((_, i) => results.flatMap((worker) => worker[i]!));
}

const granted = (calls: AttemptReservation[]) =>
  calls.flatMap((r) => (r.ok ? [r.count] : [])).sort((a, b) => a - b);

export function runStoreRaces(name: string, setup: () => Promise<RaceSetup>): void {
  describe(`Store races across ${CONTENDERS} processes: ${name}`, function () {
    this.timeout(60_000);
    let s: RaceSetup;
    let racers: Racers;
    let f: ReturnType<typeof fixtures>;
    let tenantId: string;

    before(async function () {
      s = await setup();
      racers = await Racers.start(CONTENDERS, s.target);
      f = fixtures(s.store);
      tenantId = (await f.tenant()).id;
    });
    after(async function () {
      await racers?.close();
      await s?.cleanup();
    });

    const accounts = async () => Promise.all(oneTo(IDS).map(async () => (await f.account(tenantId)).id));
    const tickets = async () => {
      const { account } = await f.owner();
      return Promise.all(
        oneTo(IDS).map(async () => (await s.store.createTicket(ticketInput(account.id), T0)).id),
      );
    };

    it('reserveAttempt: 4 × 3 reservations per account with max 5 → exactly 1 … 5, counter at 5', async function () {
      const ids = await accounts();
      const results = await racers.race<AttemptReservation[][]>({
        name: 'reserveAttempt',
        ids,
        calls: 3,
        max: 5,
        now,
      });
      for (const [i, calls] of byId(results).entries()) {
        expect(granted(calls), `account ${i}`).to.deep.equal(oneTo(5));
        expect((await s.store.getAccount(ids[i]!))!.failedPasswordCount).to.equal(5);
      }
    });

    it('consumeTicket: of 4 × 2 callers per ticket exactly one wins', async function () {
      const ids = await tickets();
      const results = await racers.race<boolean[][]>({ name: 'consumeTicket', ids, calls: 2, now });
      for (const [i, calls] of byId(results).entries())
        expect(calls.filter(Boolean), `ticket ${i}`).to.have.length(1);
    });

    it('reserveTicketAttempt: 4 × 2 tries per ticket with max 3 → exactly 1 … 3', async function () {
      const ids = await tickets();
      const results = await racers.race<AttemptReservation[][]>({
        name: 'reserveTicketAttempt',
        ids,
        calls: 2,
        max: 3,
        now,
      });
      for (const [i, calls] of byId(results).entries())
        expect(granted(calls), `ticket ${i}`).to.deep.equal(oneTo(3));
    });

    it('advanceTotpStep: of 4 × 2 callers using one step per account exactly one succeeds', async function () {
      const ids = await accounts();
      const results = await racers.race<boolean[][]>({
        name: 'advanceTotpStep',
        ids,
        calls: 2,
        step: 7,
        now,
      });
      for (const [i, calls] of byId(results).entries()) {
        expect(calls.filter(Boolean), `account ${i}`).to.have.length(1);
        expect((await s.store.getAccount(ids[i]!))!.totpLastStep).to.equal(7);
      }
    });

    it('hitRateLimit: 4 × 3 hits per bucket are counted 1 … 12, each number once', async function () {
      const ids = oneTo(IDS).map((i) => `race:${i}:${Math.random()}`);
      const results = await racers.race<number[][]>({ name: 'hitRateLimit', ids, calls: 3, now });
      for (const [i, counts] of byId(results).entries()) {
        expect(
          [...counts].sort((a, b) => a - b),
          `bucket ${i}`,
        ).to.deep.equal(oneTo(12));
        expect(await s.store.countRateLimit(ids[i]!, T0)).to.equal(12);
      }
    });

    it('claimMail: 48 due mails claimed two at a time by 4 workers → each mail once', async function () {
      const mails = await Promise.all(oneTo(48).map(() => s.store.enqueueMail(mailInput(), T0)));
      const results = await racers.race<string[]>({ name: 'claimMail', batch: 2, now });
      const claimed = results.flat();
      expect(claimed).to.have.length(48);
      expect(new Set(claimed)).to.deep.equal(new Set(mails.map((m) => m.id)));
    });
  });
}
