/**
 * What the login interaction's routes share, all of it HTTP: identifying the certificate (the binding
 * rule), resuming the server-side state, rate limits, failure pages, and carrying out what the login
 * flow (src/services/login-flow.ts) decided — the next step, or the finished interaction.
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { clientCertificateDer, sourceIp, type ProxyTrust } from '../src/http/client-context.js';
import { t } from '../src/i18n/index.js';
import type { LoginFlow, Progress } from '../src/services/login-flow.js';
import type { Account } from '../src/domain.js';
import type { BindingFailure, Standing } from '../src/policy/binding.js';
import type { BindingGuard, GuardVerdict } from '../src/services/binding-guard.js';
import type { AttemptContext, FailureOutcome, LoginService } from '../src/services/login.js';
import type { LoginRateRules } from '../src/policy/rate-limit.js';
import type { RateLimiter } from '../src/services/rate-limiter.js';
import type { TotpService } from '../src/services/totp.js';
import type { AccountStore, CertificateStore, ClientStore, TenantStore } from '../src/store.js';
import type { TobiraLoginResult } from '../src/provider.js';
import type { LoginState, LoginStateRepository } from './login-state.js';
import {
  csrfValid,
  localeOf,
  render,
  renderLockedPage,
  renderMessage,
  useClientTenant,
  useTenant,
  useUiLocales,
} from './page.js';
import type { Views } from './views.js';

export interface LoginRouteDeps {
  provider: Provider;
  /** Only to name the account of a refused certificate in the login event, and its page's tenant. */
  store: CertificateStore & AccountStore & Pick<ClientStore, 'getClient'> & Pick<TenantStore, 'getTenant'>;
  views: Views;
  guard: BindingGuard;
  login: LoginService;
  flow: LoginFlow;
  states: LoginStateRepository;
  trust: ProxyTrust;
  rateLimiter: RateLimiter;
  rateRules: LoginRateRules;
  /** Only to show the authenticator being set up (the flow activates it). */
  totp: Pick<TotpService, 'display'>;
}

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The certificate page of each refusal but the lock (which has a page of its own). */
const CERT_MESSAGE: Record<Exclude<BindingFailure, 'account_locked'>, string> = {
  cert_missing: 'cert.missing',
  cert_invalid: 'cert.invalid',
  cert_revoked: 'cert.revoked',
  account_inactive: 'cert.revoked',
  cert_unknown: 'cert.unknown',
  unbound: 'cert.unknown',
  wrong_site: 'cert.wrong_site',
  cert_changed: 'cert.changed',
};

export type Refusal = Extract<GuardVerdict, { ok: false }>;
export type Identity = Standing;

export function loginKit(deps: LoginRouteDeps) {
  const { provider, views, guard, login, flow, states, trust } = deps;
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const attemptOf = (ctx: Context, details: Details, certSerial: string | null): AttemptContext => ({
    sourceIp: sourceIp(ctx.req, trust),
    userAgent: ctx.get('user-agent').slice(0, 512) || null,
    clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
    certSerial,
  });

  /**
   * The binding rule for a login not yet made: who is this certificate, may it sign in to this client?
   * The pages carry the brand and time zone of the relying party's tenant: the standing's (a verdict
   * keeps one only once the certificate's tenant is the client's), else the client's own — never the
   * tenant of a certificate refused here.
   */
  const identify = async (ctx: Context, details: Details) => {
    const clientId = String(details.params.client_id);
    const verdict = await guard.forLogin(clientCertificateDer(ctx.req, trust), clientId);
    // Read on refusals only (the request cache already holds the client the guard read).
    if (verdict.standing) useTenant(ctx, verdict.standing.tenant);
    else await useClientTenant(ctx, deps.store, clientId);
    return verdict;
  };

  /** The page of a refusal: the lock page for a locked account, else what is wrong with the certificate. */
  function renderRefusal(ctx: Context, uid: string, refusal: Pick<Refusal, 'reason' | 'standing'>) {
    if (refusal.reason === 'account_locked') {
      renderLockedPage(ctx, views, {
        reason: 'login.failed',
        supportContact: refusal.standing?.tenant.supportContact ?? '',
      });
      return;
    }
    renderMessage(
      ctx,
      views,
      {
        title: 'cert.title',
        paragraphs: [CERT_MESSAGE[refusal.reason], 'cert.help'],
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
    certificateName?: string,
  ) {
    const locale = localeOf(ctx);
    if (outcome.kind === 'locked') {
      renderLockedPage(ctx, views, { reason: 'login.failed', supportContact: outcome.supportContact });
      return;
    }
    const page = state.step === 'otp' ? 'otp' : 'login';
    // One counter for both: the one-time password's warning names it as such.
    const warning =
      outcome.remaining !== null
        ? t(locale, `${page}.remaining_warning`, { remaining: outcome.remaining })
        : null;
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
        // The certificate in use stays in view after a failure, as on the first try.
        certificateName,
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
    const decision = await deps.rateLimiter.hitAll([
      [deps.rateRules.perIp, attempt.sourceIp],
      [deps.rateRules.perAccount, account.id],
    ]);
    if (decision.ok) return false;
    await login.recordEvent('rate_limited', account, attempt);
    ctx.set('Retry-After', String(decision.retryAfter));
    renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.rate_limited'] }, 429);
    return true;
  }

  /** Load details + state and check the same certificate is still presented; renders and returns null if not. */
  async function resume(ctx: Context): Promise<{
    details: Details;
    state: LoginState;
    identity: Identity;
  } | null> {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    useUiLocales(ctx, details.params);
    const state = await states.get(details.uid);
    if (!state) {
      ctx.redirect(`/interaction/${details.uid}`);
      return null;
    }
    const verdict = await identify(ctx, details);
    if (!verdict.ok || verdict.standing.certificate.fingerprintS256 !== state.certFingerprint) {
      await states.delete(details.uid);
      renderRefusal(ctx, details.uid, verdict.ok ? { reason: 'cert_changed' } : verdict);
      return null;
    }
    const identity = verdict.standing;
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

  /**
   * Carry out what a submitted step leads to: the next step (saved, then shown after a redirect), the
   * finished login (handed to oidc-provider), a failure page, or the "OTP level not available" page.
   * `invalid` is the caller's (only the password-change form has one).
   */
  async function proceed(
    ctx: Context,
    details: Details,
    state: LoginState,
    identity: Identity,
    result: Progress,
    userId = '',
  ): Promise<void> {
    const { uid } = details;
    switch (result.kind) {
      case 'next':
        await states.save(uid, result.state);
        ctx.status = 303;
        return ctx.redirect(`/interaction/${uid}`);
      case 'failed':
        return renderFailure(
          ctx,
          uid,
          state,
          result.outcome,
          result.errorKey,
          userId,
          identity.certificate.subjectCn,
        );
      case 'unavailable': {
        await states.delete(uid);
        const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
          error: 'unmet_authentication_requirements',
          error_description: 'the requested one-time password level is not set up for this account',
        });
        return renderMessage(
          ctx,
          views,
          {
            title: 'otp.title',
            paragraphs: ['otp.unavailable'],
            links: [{ href: returnTo, label: t(localeOf(ctx), 'login.cancel') }],
          },
          403,
        );
      }
      case 'done': {
        await states.delete(uid);
        const attempt = attemptOf(ctx, details, result.state.certSerial);
        const { amr, acr } = await flow.complete(result, identity.tenant, attempt);
        const returnTo = await provider.interactionResult(
          ctx.req,
          ctx.res,
          // remember: false — the session cookie ends with the browser, as a bank's users expect.
          {
            login: { accountId: result.account.id, amr, acr, remember: false },
            tobira: { certFingerprint: result.state.certFingerprint } satisfies TobiraLoginResult,
          },
          { mergeWithLastSubmission: false },
        );
        ctx.status = 303;
        return ctx.redirect(returnTo);
      }
    }
  }

  return { form, attemptOf, identify, renderRefusal, renderFailure, rateLimited, resume, proceed };
}
