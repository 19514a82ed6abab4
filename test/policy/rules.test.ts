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
import { bucketFor, overLimit, retryAfterSeconds } from '../../src/policy/rate-limit.js';
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
    expect(authenticationContext(false)).to.deep.equal({ amr: ['x509', 'pwd'], acr: ACR.password });
    expect(authenticationContext(true)).to.deep.equal({ amr: ['x509', 'pwd', 'otp'], acr: ACR.otp });
  });

  it('secret answers match across full/half width, case and spacing', function () {
    expect(normalizeSecretAnswer('  Ｍｉｎｉ  Ｃｏｏｐｅｒ ')).to.equal('mini cooper');
    expect(normalizeSecretAnswer('ﾐﾆ')).to.equal(normalizeSecretAnswer('ミニ'));
    expect(normalizeSecretAnswer('みに')).to.not.equal(normalizeSecretAnswer('ミニ'));
    expect(checkSecretAnswer('   ')).to.deep.equal([{ code: 'secret_answer.empty' }]);
    expect(checkSecretAnswer('あ'.repeat(65))[0]?.code).to.equal('secret_answer.too_long');
    expect(checkSecretAnswer('ミニ')).to.deep.equal([]);
  });

  it('rate windows: fixed buckets, over after max, Retry-After to the window end', function () {
    const rule = { name: 'login-ip', windowSeconds: 60, max: 3 };
    const now = new Date('2026-01-01T00:00:45Z');
    const bucket = bucketFor(rule, '10.0.0.1', now);
    expect(bucket.key).to.equal(`login-ip:10.0.0.1:${Date.parse('2026-01-01T00:00:00Z')}`);
    expect(bucket.expiresAt.toISOString()).to.equal('2026-01-01T00:01:00.000Z');
    expect(retryAfterSeconds(bucket, now)).to.equal(15);
    expect([overLimit(rule, 3), overLimit(rule, 4)]).to.deep.equal([false, true]);
  });
});
