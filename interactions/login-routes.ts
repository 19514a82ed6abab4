/**
 * The login interaction over HTTP: certificate → ID/password → (password change) → (one-time password)
 * → done, as the login flow (src/services/login-flow.ts) decides. Each screen is GET-rendered from the
 * server-side state; each form POSTs and redirects (PRG).
 */
import { Router } from '@koa/router';
import type { Account } from '../src/domain.js';
import { t } from '../src/i18n/index.js';
import { loginResultOf } from '../src/policy/binding.js';
import type { AccountStore, CertificateStore } from '../src/store.js';
import { loginKit, type LoginRouteDeps } from './login-kit.js';
import { formField, localeOf, render, useUiLocales } from './page.js';

export type { LoginRouteDeps };

export function loginRoutes(deps: LoginRouteDeps): Router {
  const router = new Router();
  const { form, attemptOf, identify, renderRefusal, rateLimited, resume, proceed } = loginKit(deps);
  const { provider, views, login, flow, states } = deps;

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
      state = flow.begin(identity, details.params.acr_values);
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
    const typed = { userId, password: formField(ctx, 'password', 1024) };
    const result = await flow.password(state, identity, typed, attemptOf(ctx, details, state.certSerial));
    await proceed(ctx, details, state, identity, result, userId);
  });

  router.post('/interaction/:uid/change-password', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'change_password') return void ctx.redirect(`/interaction/${details.uid}`);
    const result = await flow.changePassword(state, identity, {
      password: formField(ctx, 'newPassword', 1024),
      confirmation: formField(ctx, 'confirmation', 1024),
    });
    if (result.kind !== 'invalid') return proceed(ctx, details, state, identity, result);
    const locale = localeOf(ctx);
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
  });

  router.post('/interaction/:uid/otp', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'otp') return void ctx.redirect(`/interaction/${details.uid}`);
    if (await rateLimited(ctx, details, state, identity.account)) return;
    const code = formField(ctx, 'code', 16);
    const result = await flow.otp(state, identity, code, attemptOf(ctx, details, state.certSerial));
    await proceed(ctx, details, state, identity, result);
  });

  router.post('/interaction/:uid/otp-setup', form, async (ctx) => {
    const resumed = await resume(ctx);
    if (!resumed) return;
    const { details, state, identity } = resumed;
    if (state.step !== 'otp_setup' || !state.pendingTotpSecretEnc)
      return void ctx.redirect(`/interaction/${details.uid}`);
    if (await rateLimited(ctx, details, state, identity.account)) return;
    const code = formField(ctx, 'code', 16);
    const result = await flow.otpSetup(state, identity, code, attemptOf(ctx, details, state.certSerial));
    if (result.kind === 'done') return proceed(ctx, details, state, identity, result);
    const locale = localeOf(ctx);
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
        ...(await deps.totp.display(identity.account, state.pendingTotpSecretEnc)),
        errors: [t(locale, 'otp.failed')],
      },
      401,
    );
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

async function accountOfSerial(
  store: CertificateStore & AccountStore,
  serial: string,
): Promise<Account | null> {
  const certificate = await store.getCertificate(serial);
  return certificate ? store.getAccount(certificate.accountId) : null;
}
