/**
 * The login interaction: certificate → ID/password → (password change) → (one-time password) → done.
 * Each screen is GET-rendered from the server-side state; each form POSTs and redirects (PRG).
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Clock } from '../src/clock.js';
import type { Account } from '../src/domain.js';
import { clientCertificateDer, sourceIp, type ProxyTrust } from '../src/http/client-context.js';
import { t } from '../src/i18n/index.js';
import {
  ACR,
  authenticationContext,
  nextStep,
  otpAvailable,
  type StepFacts,
} from '../src/policy/login-steps.js';
import { newToken } from '../src/random.js';
import type { CertificateIdentity, CertificateService } from '../src/services/certificates.js';
import type { AttemptContext, FailureOutcome, LoginService } from '../src/services/login.js';
import type { LoginRateRules } from '../src/policy/rate-limit.js';
import type { RateLimiter } from '../src/services/rate-limiter.js';
import type { TotpService } from '../src/services/totp.js';
import type { Store } from '../src/store.js';
import type { TobiraLoginResult } from '../src/provider.js';
import { ACCOUNT_CLIENT_ID } from '../src/account-client.js';
import type { LoginState, LoginStateRepository } from './login-state.js';
import { csrfValid, formField, localeOf, render, renderMessage } from './page.js';
import type { Views } from './views.js';

export interface LoginRouteDeps {
  provider: Provider;
  store: Store;
  clock: Clock;
  views: Views;
  certificates: CertificateService;
  login: LoginService;
  states: LoginStateRepository;
  trust: ProxyTrust;
  rateLimiter: RateLimiter;
  rateRules: LoginRateRules;
  totp: TotpService;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const CERT_MESSAGE: Record<
  Exclude<CertificateIdentity, { ok: true }>['result'] | 'wrong_site' | 'changed',
  string
> = {
  cert_missing: 'cert.missing',
  cert_invalid: 'cert.invalid',
  cert_revoked: 'cert.revoked',
  cert_unknown: 'cert.unknown',
  wrong_site: 'cert.wrong_site',
  changed: 'cert.changed',
};

export function loginRoutes(deps: LoginRouteDeps): Router {
  const { provider, views, certificates, login, states, trust } = deps;
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const attemptOf = (ctx: Context, details: Details, certSerial: string | null): AttemptContext => ({
    sourceIp: sourceIp(ctx.req, trust),
    userAgent: ctx.get('user-agent').slice(0, 512) || null,
    clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
    certSerial,
  });

  /** Identify the certificate on this request and check it may sign in to the requesting client. */
  async function identify(ctx: Context, details: Details) {
    const identity = await certificates.identify(clientCertificateDer(ctx.req, trust));
    if (!identity.ok) return identity;
    const clientId = String(details.params.client_id);
    // The account pages serve every tenant; any other client only its own tenant's accounts.
    if (clientId === ACCOUNT_CLIENT_ID) return identity;
    const client = await deps.store.getClient(clientId);
    if (!client || client.tenantId !== identity.account.tenantId)
      return { ok: false as const, result: 'wrong_site' as const, serial: identity.certificate.serial };
    return identity;
  }

  function renderCertError(ctx: Context, uid: string, reason: keyof typeof CERT_MESSAGE) {
    renderMessage(
      ctx,
      views,
      {
        title: 'cert.title',
        paragraphs: [CERT_MESSAGE[reason], 'cert.help'],
        links: [{ href: `/interaction/${uid}/abort`, label: t(localeOf(ctx), 'login.cancel') }],
      },
      403,
    );
  }

  function renderFailure(
    ctx: Context,
    uid: string,
    state: LoginState,
    outcome: FailureOutcome,
    errorKey: string,
    userId = '',
  ) {
    const locale = localeOf(ctx);
    if (outcome.kind === 'locked') {
      renderMessage(
        ctx,
        views,
        {
          title: 'locked.title',
          paragraphs: [
            'login.failed',
            'locked.support',
            ['locked.contact', { support: outcome.supportContact }],
          ],
        },
        403,
      );
      return;
    }
    const warning =
      outcome.remaining !== null
        ? t(locale, 'login.remaining_warning', { remaining: outcome.remaining })
        : null;
    const page = state.step === 'otp' ? 'otp' : 'login';
    render(
      ctx,
      views,
      page,
      {
        locale,
        title: `${page === 'otp' ? 'otp' : 'login'}.title`,
        uid,
        csrf: state.csrf,
        userId,
        errors: [t(locale, errorKey)],
        warning,
      },
      401,
    );
  }

  /** Per source IP and per account, store-backed; answers 429 with Retry-After when over. */
  async function rateLimited(
    ctx: Context,
    details: Details,
    state: LoginState,
    account: Account,
  ): Promise<boolean> {
    const attempt = attemptOf(ctx, details, state.certSerial);
    for (const [rule, subject] of [
      [deps.rateRules.perIp, attempt.sourceIp],
      [deps.rateRules.perAccount, account.id],
    ] as const) {
      const decision = await deps.rateLimiter.hit(rule, subject);
      if (!decision.ok) {
        await login.recordEvent('rate_limited', account, attempt);
        ctx.set('Retry-After', String(decision.retryAfter));
        renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.rate_limited'] }, 429);
        return true;
      }
    }
    return false;
  }

  /** Load details + state and check the same certificate is still presented; renders and returns null if not. */
  async function resume(ctx: Context): Promise<{
    details: Details;
    state: LoginState;
    identity: Extract<CertificateIdentity, { ok: true }>;
  } | null> {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const state = await states.get(details.uid);
    if (!state) {
      ctx.redirect(`/interaction/${details.uid}`);
      return null;
    }
    const identity = await identify(ctx, details);
    if (!identity.ok || identity.certificate.fingerprintS256 !== state.certFingerprint) {
      await states.delete(details.uid);
      renderCertError(ctx, details.uid, identity.ok ? 'changed' : identity.result);
      return null;
    }
    if (ctx.method === 'POST' && !csrfValid(ctx, state.csrf)) {
      renderMessage(
        ctx,
        views,
        {
          title: 'error.title',
          paragraphs: ['error.csrf'],
          links: [{ href: `/interaction/${details.uid}`, label: t(localeOf(ctx), 'login.back') }],
        },
        403,
      );
      return null;
    }
    return { details, state, identity };
  }

  async function finish(
    ctx: Context,
    details: Details,
    state: LoginState,
    account: Account,
    usedOtp: boolean,
  ) {
    await states.delete(details.uid);
    await login.recordEvent('success', account, attemptOf(ctx, details, state.certSerial));
    const { amr, acr } = authenticationContext(usedOtp);
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      // remember: false — the session cookie ends with the browser, as a bank's users expect.
      {
        login: { accountId: account.id, amr, acr, remember: false },
        tobira: { certFingerprint: state.certFingerprint } satisfies TobiraLoginResult,
      },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function advance(
    ctx: Context,
    details: Details,
    state: LoginState,
    facts: StepFacts,
    completed: 'password' | 'change_password' | 'otp',
  ) {
    const step = nextStep(completed, facts);
    if (step === 'otp' && !otpAvailable(facts)) {
      await states.delete(details.uid);
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
        error: 'unmet_authentication_requirements',
        error_description: 'the requested one-time password level is not set up for this account',
      });
      renderMessage(
        ctx,
        views,
        {
          title: 'otp.title',
          paragraphs: ['otp.unavailable'],
          links: [{ href: returnTo, label: t(localeOf(ctx), 'login.cancel') }],
        },
        403,
      );
      return;
    }
    if (step === 'done') return finish(ctx, details, state, facts.account as Account, completed === 'otp');
    const pendingTotpSecretEnc = step === 'otp_setup' ? deps.totp.begin(facts.account as Account) : null;
    await states.save(details.uid, { ...state, step, pendingTotpSecretEnc });
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  }

  router.get('/interaction/:uid', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const locale = localeOf(ctx);
    if (details.prompt.name !== 'login') {
      ctx.redirect(`/interaction/${details.uid}/consent`);
      return;
    }
    let state = await states.get(details.uid);
    const identity = await identify(ctx, details);
    if (!identity.ok) {
      if (state) await states.delete(details.uid);
      const account = identity.serial ? await accountOfSerial(deps.store, identity.serial) : null;
      await login.recordEvent(
        identity.result === 'wrong_site' ? 'cert_unknown' : identity.result,
        account,
        attemptOf(ctx, details, identity.serial ?? null),
      );
      renderCertError(ctx, details.uid, identity.result);
      return;
    }
    if (!state || state.certFingerprint !== identity.certificate.fingerprintS256) {
      const acrValues =
        typeof details.params.acr_values === 'string' ? details.params.acr_values.split(' ') : [];
      state = {
        csrf: newToken(24),
        certFingerprint: identity.certificate.fingerprintS256,
        certSerial: identity.certificate.serial,
        accountId: identity.account.id,
        terminalId: identity.terminal.id,
        step: 'password',
        changeReason: null,
        otpRequested: acrValues.includes(ACR.otp),
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
    const result = await login.changePassword(
      identity.account,
      identity.tenant,
      formField(ctx, 'newPassword', 1024),
      formField(ctx, 'confirmation', 1024),
      `user:${identity.account.id}`,
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
    await login.recordEvent('password_changed', result.account, attemptOf(ctx, details, state.certSerial));
    const facts: StepFacts = {
      account: result.account,
      passwordExpired: false,
      otpRequested: state.otpRequested,
    };
    await advance(ctx, details, state, facts, 'change_password');
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
