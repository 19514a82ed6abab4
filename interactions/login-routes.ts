/**
 * The login interaction: certificate → ID/password → (password change) → (one-time password) → done.
 * Each screen is GET-rendered from the server-side state; each form POSTs and redirects (PRG).
 */
import { Router } from '@koa/router';
import type { Account } from '../src/domain.js';
import { t } from '../src/i18n/index.js';
import { loginResultOf } from '../src/policy/binding.js';
import { acrValuesOf, requestedLevel, type StepFacts } from '../src/policy/login-steps.js';
import { newToken } from '../src/random.js';
import type { Store } from '../src/store.js';
import { loginKit, type LoginRouteDeps } from './login-kit.js';
import { formField, localeOf, render, useUiLocales } from './page.js';

export type { LoginRouteDeps };

export function loginRoutes(deps: LoginRouteDeps): Router {
  const router = new Router();
  const { form, attemptOf, identify, renderRefusal, renderFailure, rateLimited, resume, advance, finish } =
    loginKit(deps);
  const { provider, views, login, states } = deps;

  router.get('/interaction/:uid', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    useUiLocales(ctx, details.params);
    const locale = localeOf(ctx);
    if (details.prompt.name !== 'login') {
      ctx.redirect(`/interaction/${details.uid}/consent`);
      return;
    }
    let state = await states.get(details.uid);
    const verdict = await identify(ctx, details);
    if (!verdict.ok) {
      if (state) await states.delete(details.uid);
      const account =
        verdict.standing?.account ??
        (verdict.serial ? await accountOfSerial(deps.store, verdict.serial) : null);
      await login.recordEvent(
        loginResultOf(verdict.reason),
        account,
        attemptOf(ctx, details, verdict.serial ?? null),
      );
      renderRefusal(ctx, details.uid, verdict);
      return;
    }
    const identity = verdict.standing;
    if (!state || state.certFingerprint !== identity.certificate.fingerprintS256) {
      const level = requestedLevel(acrValuesOf(details.params.acr_values), identity.account);
      state = {
        csrf: newToken(24),
        certFingerprint: identity.certificate.fingerprintS256,
        certSerial: identity.certificate.serial,
        accountId: identity.account.id,
        terminalId: identity.terminal.id,
        step: 'password',
        changeReason: null,
        otpRequested: level !== 'password',
      };
      await states.save(details.uid, state);
    }
    const base = {
      locale,
      uid: details.uid,
      csrf: state.csrf,
      userId: identity.account.userId,
      certificateName: identity.certificate.subjectCn,
    };
    if (state.step === 'change_password') {
      const policy = identity.tenant.policy.password;
      render(ctx, views, 'change-password', {
        ...base,
        title: 'change_password.title',
        reasonKey:
          state.changeReason === 'expired' ? 'change_password.expired' : 'change_password.must_change',
        minLength: policy.minLength,
        maxLength: policy.maxLength,
      });
    } else if (state.step === 'otp_setup' && state.pendingTotpSecretEnc) {
      const display = await deps.totp.display(identity.account, state.pendingTotpSecretEnc);
      render(ctx, views, 'otp-setup', {
        ...base,
        ...display,
        title: 'otp_setup.title',
        action: `/interaction/${details.uid}/otp-setup`,
      });
    } else if (state.step === 'otp') {
      render(ctx, views, 'otp', { ...base, title: 'otp.title' });
    } else {
      render(ctx, views, 'login', { ...base, title: 'login.title', userId: '' });
    }
  });

  router.post('/interaction/:uid/login', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'password') return void ctx.redirect(`/interaction/${details.uid}`);
    if (await rateLimited(ctx, details, state, identity.account)) return;
    const userId = formField(ctx, 'userId', 128).trim();
    const outcome = await login.verifyPassword(
      identity.account,
      identity.tenant,
      userId,
      formField(ctx, 'password', 1024),
      attemptOf(ctx, details, state.certSerial),
    );
    if (outcome.kind !== 'ok') return renderFailure(ctx, details.uid, state, outcome, 'login.failed', userId);
    const facts: StepFacts = { ...outcome.facts, otpRequested: state.otpRequested };
    const changeReason = outcome.account.mustChangePassword
      ? 'must_change'
      : outcome.facts.passwordExpired
        ? 'expired'
        : null;
    await advance(ctx, details, { ...state, changeReason }, facts, 'password');
  });

  router.post('/interaction/:uid/change-password', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'change_password') return void ctx.redirect(`/interaction/${details.uid}`);
    const locale = localeOf(ctx);
    const result = await login.preparePasswordChange(
      identity.account,
      identity.tenant,
      formField(ctx, 'newPassword', 1024),
      formField(ctx, 'confirmation', 1024),
    );
    if (result.kind === 'invalid') {
      const policy = identity.tenant.policy.password;
      render(
        ctx,
        views,
        'change-password',
        {
          locale,
          title: 'change_password.title',
          uid: details.uid,
          csrf: state.csrf,
          userId: identity.account.userId,
          reasonKey:
            state.changeReason === 'expired' ? 'change_password.expired' : 'change_password.must_change',
          minLength: policy.minLength,
          maxLength: policy.maxLength,
          errors: result.violations.map((v) => t(locale, v.code, v.params)),
        },
        422,
      );
      return;
    }
    const facts: StepFacts = {
      account: { ...identity.account, mustChangePassword: false },
      passwordExpired: false,
      otpRequested: state.otpRequested,
    };
    // Not in force yet: `finish` applies it once every later step has succeeded.
    await advance(ctx, details, { ...state, pendingPasswordHash: result.hash }, facts, 'change_password');
  });

  router.post('/interaction/:uid/otp', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'otp') return void ctx.redirect(`/interaction/${details.uid}`);
    if (await rateLimited(ctx, details, state, identity.account)) return;
    const outcome = await login.verifyOtp(
      identity.account,
      identity.tenant,
      formField(ctx, 'code', 16),
      attemptOf(ctx, details, state.certSerial),
    );
    if (outcome.kind !== 'ok') return renderFailure(ctx, details.uid, state, outcome, 'otp.failed');
    const facts: StepFacts = {
      account: identity.account,
      passwordExpired: false,
      otpRequested: state.otpRequested,
    };
    await advance(ctx, details, state, facts, 'otp');
  });

  router.post('/interaction/:uid/otp-setup', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'otp_setup' || !state.pendingTotpSecretEnc)
      return void ctx.redirect(`/interaction/${details.uid}`);
    if (await rateLimited(ctx, details, state, identity.account)) return;
    const activated = await deps.totp.activate(
      identity.account,
      state.pendingTotpSecretEnc,
      formField(ctx, 'code', 16),
    );
    if (!activated) {
      await login.recordEvent('otp_failed', identity.account, attemptOf(ctx, details, state.certSerial));
      const locale = localeOf(ctx);
      const display = await deps.totp.display(identity.account, state.pendingTotpSecretEnc);
      render(
        ctx,
        views,
        'otp-setup',
        {
          locale,
          title: 'otp_setup.title',
          uid: details.uid,
          csrf: state.csrf,
          action: `/interaction/${details.uid}/otp-setup`,
          ...display,
          errors: [t(locale, 'otp.failed')],
        },
        401,
      );
      return;
    }
    await finish(ctx, details, state, activated, true);
  });

  router.get('/interaction/:uid/abort', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    useUiLocales(ctx, details.params);
    await states.delete(details.uid);
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'the end-user cancelled the sign-in' },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  return router;
}

async function accountOfSerial(store: Store, serial: string): Promise<Account | null> {
  const certificate = await store.getCertificate(serial);
  return certificate ? store.getAccount(certificate.accountId) : null;
}
