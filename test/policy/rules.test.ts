/** The other pure policies: lockout arithmetic, expiry, login steps, secret answers, rate windows. */
import { expect } from 'chai';
import type { Account } from '../../src/domain.js';
import { passwordExpired, ticketExpiry } from '../../src/policy/expiry.js';
import { afterFailure, showWarning, thresholdFor } from '../../src/policy/lockout.js';
import {
  ACR,
  authenticationContext,
  nextStep,
  otpAvailable,
  type StepFacts,
} from '../../src/policy/login-steps.js';
import { decide, windowsFor } from '../../src/policy/rate-limit.js';
import { checkSecretAnswer, normalizeSecretAnswer } from '../../src/policy/secret-answer.js';
import { defaultTenantPolicy, parseTenantPolicy } from '../../src/policy/tenant-policy.js';

const DAY = 86_400_000;

describe('pure policies', function () {
  it('lockout: the failure that reaches the threshold locks; the warning counts down', function () {
    expect([1, 2, 3, 4, 5].map((n) => afterFailure(n, 5))).to.deep.equal([
      { lock: false, remaining: 4 },
      { lock: false, remaining: 3 },
      { lock: false, remaining: 2 },
      { lock: false, remaining: 1 },
      { lock: true, remaining: 0 },
    ]);
    const p = defaultTenantPolicy();
    expect(showWarning(p, 2)).to.equal(true);
    expect(showWarning(p, 0)).to.equal(false);
    expect(showWarning(parseTenantPolicy({ lockout: { showRemainingAttempts: false } }), 2)).to.equal(false);
    const custom = parseTenantPolicy({
      lockout: { maxPasswordFailures: 3, maxSecretAnswerFailures: 4, maxEnrollmentOtpFailures: 6 },
    });
    expect([
      thresholdFor(custom, 'password'),
      thresholdFor(custom, 'secret_answer'),
      thresholdFor(custom, 'enrollment_otp'),
    ]).to.deep.equal([3, 4, 6]);
  });

  it('expiry: passwords expire at max age (0 = never); tickets per purpose', function () {
    const now = new Date('2026-06-01T00:00:00Z');
    const p90 = parseTenantPolicy({ password: { maxAgeDays: 90 } });
    expect(passwordExpired(p90, new Date(now.getTime() - 89 * DAY), now)).to.equal(false);
    expect(passwordExpired(p90, new Date(now.getTime() - 90 * DAY), now)).to.equal(true);
    expect(passwordExpired(defaultTenantPolicy(), new Date(0), now)).to.equal(false);
    expect(passwordExpired(p90, null, now)).to.equal(false);
    const tickets = defaultTenantPolicy().tickets;
    expect(ticketExpiry(tickets, 'enroll', now).getTime() - now.getTime()).to.equal(72 * 3600_000);
    expect(ticketExpiry(tickets, 'password_reissue', now).getTime() - now.getTime()).to.equal(60 * 60_000);
  });

  it('login steps: change password before OTP; OTP by method or by the RP’s request', function () {
    const account = (over: Partial<Account>) =>
      ({
        loginMethod: 'password',
        mustChangePassword: false,
        totpSecretEnc: null,
        ...over,
      }) as StepFacts['account'];
    const facts = (over: Partial<StepFacts> = {}, acc: Partial<Account> = {}): StepFacts => ({
      account: account(acc),
      passwordExpired: false,
      otpRequested: false,
      ...over,
    });
    expect(nextStep('password', facts())).to.equal('done');
    expect(nextStep('password', facts({ passwordExpired: true }))).to.equal('change_password');
    expect(
      nextStep('password', facts({}, { mustChangePassword: true, loginMethod: 'password_otp' })),
    ).to.equal('change_password');
    expect(
      nextStep('change_password', facts({}, { loginMethod: 'password_otp', totpSecretEnc: 'sealed' })),
    ).to.equal('otp');
    expect(nextStep('password', facts({}, { loginMethod: 'password_otp' })), 'no authenticator yet').to.equal(
      'otp_setup',
    );
    expect(nextStep('password', facts({ otpRequested: true })), 'the RP asked; the route refuses').to.equal(
      'otp',
    );
    expect(nextStep('password', facts({ otpRequested: true }))).to.equal('otp');
    expect(nextStep('otp', facts({}, { loginMethod: 'password_otp' }))).to.equal('done');
    expect(otpAvailable(facts())).to.equal(false);
    expect(otpAvailable(facts({}, { totpSecretEnc: 'sealed' }))).to.equal(true);
    expect(authenticationContext(false)).to.deep.equal({ amr: ['swk', 'pwd', 'mfa'], acr: ACR.password });
    expect(authenticationContext(true)).to.deep.equal({ amr: ['swk', 'pwd', 'otp', 'mfa'], acr: ACR.otp });
  });

  it('secret answers match across full/half width, case and spacing', function () {
    expect(normalizeSecretAnswer('  Ｍｉｎｉ  Ｃｏｏｐｅｒ ')).to.equal('mini cooper');
    expect(normalizeSecretAnswer('ﾐﾆ')).to.equal(normalizeSecretAnswer('ミニ'));
    expect(normalizeSecretAnswer('みに')).to.not.equal(normalizeSecretAnswer('ミニ'));
    expect(checkSecretAnswer('   ')).to.deep.equal([{ code: 'secret_answer.empty' }]);
    expect(checkSecretAnswer('あ'.repeat(65))[0]?.code).to.equal('secret_answer.too_long');
    expect(checkSecretAnswer('ミニ')).to.deep.equal([]);
  });

  describe('rate windows (sliding estimate over fixed buckets)', function () {
    const rule = { name: 'login-ip', windowSeconds: 60, max: 10 };
    const T = Date.parse('2026-01-01T00:00:00Z');
    const at = (seconds: number) => new Date(T + seconds * 1000);
    const judge = (seconds: number, current: number, previous: number) =>
      decide(rule, { current, previous }, windowsFor(rule, '10.0.0.1', at(seconds)), at(seconds));

    it('names this window’s bucket and the previous one, and keeps a bucket for two windows', function () {
      const w = windowsFor(rule, '10.0.0.1', at(75));
      expect(w.current.key).to.equal(`login-ip:10.0.0.1:${T + 60_000}`);
      expect(w.previousKey).to.equal(`login-ip:10.0.0.1:${T}`);
      expect(w.current.expiresAt).to.deep.equal(at(180));
      expect(w.endsAt).to.deep.equal(at(120));
      expect(w.previousWeight).to.equal(0.75);
    });

    it('allows up to max with an empty previous window, refuses the next, Retry-After to the window end', function () {
      expect(judge(45, 10, 0)).to.deep.equal({ ok: true });
      // 11 in this window: wait until the next one, where 11 × (1 − f) ≤ 10, f = 1/11 of a minute.
      expect(judge(45, 11, 0)).to.deep.equal({ ok: false, retryAfter: Math.ceil(15 + 60 / 11) });
    });

    it('weighs the previous window by how much of it is still inside the sliding minute', function () {
      // 15 s into a window after a full one: 10 × 0.75 = 7.5, so 2 more are fine and the 3rd is not.
      expect(judge(75, 2, 10)).to.deep.equal({ ok: true });
      // 3 + 10 × (1 − f) ≤ 10 once f ≥ 0.3, at 18 s into the window: 3 s from now.
      expect(judge(75, 3, 10)).to.deep.equal({ ok: false, retryAfter: 3 });
    });

    it('refuses a burst of max at the end of one window followed by max at the start of the next', function () {
      // The fixed-window hole: 10 at 0:59 and 10 more at 1:00 would both pass with plain buckets.
      expect(judge(60, 1, 10)).to.deep.include({ ok: false });
      expect(judge(119, 1, 10), 'by the end of the next window the old burst has slid out').to.deep.equal({
        ok: true,
      });
    });

    it('never answers a Retry-After below one second', function () {
      expect(judge(119.999, 10, 10)).to.deep.equal({ ok: false, retryAfter: 1 });
    });
  });
});
