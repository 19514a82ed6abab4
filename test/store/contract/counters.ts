/** Contract: failure counters, locking and TOTP replay protection — all atomic in the database. */
import { expect } from 'chai';
import type { Account } from '../../../src/domain.js';
import type { AccountStore, CounterStore } from '../../../src/store.js';
import { at, concurrently, T0, type ContractContext } from './context.js';

const counters = (a: Account | null) => [
  a!.failedPasswordCount,
  a!.failedSecretAnswerCount,
  a!.failedEnrollmentOtpCount,
];

/** Accounts are read (and set up) around the counters; the counters change only through CounterStore. */
export function counterContract(ctx: ContractContext<CounterStore & AccountStore>): void {
  describe('failure counters and locking', function () {
    let accountId: string;
    beforeEach(async function () {
      await ctx.f.tenant('p-01');
      accountId = (await ctx.f.account('p-01')).id;
    });

    it('numbers reservations 1 … max, then refuses', async function () {
      const results = [];
      for (let i = 0; i < 4; i += 1)
        results.push(await ctx.store.reserveAttempt(accountId, 'password', 3, T0));
      expect(results).to.deep.equal([
        { ok: true, count: 1 },
        { ok: true, count: 2 },
        { ok: true, count: 3 },
        { ok: false },
      ]);
      expect((await ctx.store.getAccount(accountId))!.failedPasswordCount).to.equal(3);
    });

    // In one process this races only on an asynchronous driver (MongoDB); SQLite runs the calls one
    // after another. test/store/races.ts races the same call from several processes on one store.
    it('never exceeds max under concurrency: 50 parallel reservations with max 5 → exactly 5', async function () {
      const results = await concurrently(50, () => ctx.store.reserveAttempt(accountId, 'password', 5, T0));
      const granted = results.filter((r): r is { ok: true; count: number } => r.ok);
      expect(granted.map((r) => r.count).sort()).to.deep.equal([1, 2, 3, 4, 5]);
      expect((await ctx.store.getAccount(accountId))!.failedPasswordCount).to.equal(5);
    });

    it('keeps the three counters apart and resets one without touching the others', async function () {
      await ctx.store.reserveAttempt(accountId, 'password', 5, T0);
      await ctx.store.reserveAttempt(accountId, 'secret_answer', 5, T0);
      await ctx.store.reserveAttempt(accountId, 'secret_answer', 5, T0);
      await ctx.store.reserveAttempt(accountId, 'enrollment_otp', 5, T0);
      expect(counters(await ctx.store.getAccount(accountId))).to.deep.equal([1, 2, 1]);
      await ctx.store.resetCounter(accountId, 'secret_answer', at(1));
      expect(counters(await ctx.store.getAccount(accountId))).to.deep.equal([1, 0, 1]);
      await ctx.store.resetCounter('missing', 'password', at(1));
    });

    it('refuses missing and locked accounts, and pending ones unless allowed', async function () {
      expect(await ctx.store.reserveAttempt('missing', 'password', 5, T0)).to.deep.equal({ ok: false });
      const pending = await ctx.f.account('p-01', { status: 'pending' });
      expect(await ctx.store.reserveAttempt(pending.id, 'enrollment_otp', 3, T0)).to.deep.equal({
        ok: false,
      });
      expect(
        await ctx.store.reserveAttempt(pending.id, 'enrollment_otp', 3, T0, { allowPending: true }),
      ).to.deep.equal({ ok: true, count: 1 });
      await ctx.store.lockAccount(accountId, 'password', T0);
      expect(
        await ctx.store.reserveAttempt(accountId, 'password', 5, T0, { allowPending: true }),
      ).to.deep.equal({ ok: false });
      expect((await ctx.store.getAccount(accountId))!.failedPasswordCount).to.equal(0);
    });

    it('locks with reason and time; missing → null', async function () {
      const locked = (await ctx.store.lockAccount(accountId, 'secret_answer', at(5)))!;
      expect(locked).to.include({ status: 'locked', lockReason: 'secret_answer' });
      expect(locked.lockedAt).to.deep.equal(at(5));
      expect(await ctx.store.getAccount(accountId)).to.deep.equal(locked);
      expect(await ctx.store.lockAccount('missing', 'admin', T0)).to.equal(null);
    });

    it('keeps the first lock’s reason and time when locked again', async function () {
      const first = await ctx.store.lockAccount(accountId, 'password', at(5));
      const again = await ctx.store.lockAccount(accountId, 'admin', at(9));
      expect(again).to.deep.equal(first);
    });

    it('unlocks to active with every counter cleared when a password is set', async function () {
      await ctx.store.updateAccount(accountId, { passwordHash: 'h' }, T0);
      await ctx.store.reserveAttempt(accountId, 'password', 5, T0);
      await ctx.store.reserveAttempt(accountId, 'secret_answer', 5, T0);
      await ctx.store.lockAccount(accountId, 'password', T0);
      const unlocked = (await ctx.store.unlockAccount(accountId, at(1)))!;
      expect(unlocked).to.include({ status: 'active', lockReason: null, lockedAt: null });
      expect(counters(unlocked)).to.deep.equal([0, 0, 0]);
      expect(await ctx.store.unlockAccount('missing', at(1))).to.equal(null);
    });

    it('unlocks to pending when no password was ever set', async function () {
      const b = await ctx.f.account('p-01', { status: 'pending' });
      await ctx.store.reserveAttempt(b.id, 'enrollment_otp', 5, T0, { allowPending: true });
      await ctx.store.lockAccount(b.id, 'enrollment_otp', T0);
      const unlocked = (await ctx.store.unlockAccount(b.id, at(1)))!;
      expect(unlocked.status).to.equal('pending');
      expect(unlocked.failedEnrollmentOtpCount).to.equal(0);
    });
  });

  describe('TOTP steps', function () {
    let accountId: string;
    beforeEach(async function () {
      await ctx.f.tenant('p-01');
      accountId = (await ctx.f.account('p-01')).id;
    });

    it('accepts a later step and refuses the same or an earlier one', async function () {
      expect(await ctx.store.advanceTotpStep(accountId, 100, T0)).to.equal(true);
      expect(await ctx.store.advanceTotpStep(accountId, 100, T0)).to.equal(false);
      expect(await ctx.store.advanceTotpStep(accountId, 99, T0)).to.equal(false);
      expect(await ctx.store.advanceTotpStep(accountId, 102, T0)).to.equal(true);
      expect((await ctx.store.getAccount(accountId))!.totpLastStep).to.equal(102);
      expect(await ctx.store.advanceTotpStep('missing', 1, T0)).to.equal(false);
    });

    // A real race on MongoDB only; across processes on SQLite too in test/store/races.ts.
    it('lets exactly one of 10 concurrent callers use a step', async function () {
      const results = await concurrently(10, () => ctx.store.advanceTotpStep(accountId, 101, T0));
      expect(results.filter(Boolean)).to.have.length(1);
      expect((await ctx.store.getAccount(accountId))!.totpLastStep).to.equal(101);
    });
  });
}
