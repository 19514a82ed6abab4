/**
 * Shared plumbing of the account pages: who is signed in (or off to the login), and page rendering
 * with the menu. The routes live in routes.ts, terminal-routes.ts, method-routes.ts and
 * certificate-routes.ts.
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Clock } from '../../src/clock.js';
import type { Account, Tenant } from '../../src/domain.js';
import { t, type Locale } from '../../src/i18n/index.js';
import type { AccountSettings } from '../../src/services/account-settings.js';
import type { CertificateService } from '../../src/services/certificates.js';
import type { Violation } from '../../src/services/enrollment.js';
import type { TotpService } from '../../src/services/totp.js';
import type { CertificateStore, LoginHistoryStore, TerminalStore } from '../../src/store.js';
import type { AccountSession, AccountSessions } from '../account-session.js';
import type { ProxyTrust } from '../../src/http/client-context.js';
import type { Standing } from '../../src/policy/binding.js';
import type { LoginService } from '../../src/services/login.js';
import type { RateLimiter } from '../../src/services/rate-limiter.js';
import type { RecoveryService } from '../../src/services/recovery.js';
import { csrfValid, localeOf, render, renderMessage, useTenant } from '../page.js';
import { recentlyAuthenticated } from '../../src/policy/reauthentication.js';
import type { Views } from '../views.js';

export interface AccountRouteDeps {
  views: Views;
  sessions: AccountSessions;
  settings: AccountSettings;
  certificates: CertificateService;
  store: TerminalStore & CertificateStore & LoginHistoryStore;
  clock: Clock;
  totp: TotpService;
  /** The one-time password of a re-authentication (password_otp accounts). */
  login: Pick<LoginService, 'verifyOtp'>;
  trust: ProxyTrust;
  /** 証明書再発行 started by the user (certificate-routes.ts). */
  recovery: Pick<RecoveryService, 'requestCertificateReissue'>;
  rateLimiter: Pick<RateLimiter, 'hit'>;
}

export interface Signed {
  session: AccountSession;
  account: Account;
  tenant: Tenant;
  /** What the session's certificate proves now (certificate, terminal, account, tenant). */
  standing: Standing;
  locale: Locale;
}

export type AccountKit = ReturnType<typeof accountKit>;

export interface Step {
  label: string;
  current: boolean;
}

export function accountKit(deps: AccountRouteDeps) {
  const { views, sessions } = deps;
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });

  /**
   * The signed-in account of this request, or a redirect to the login (then back here). With
   * `recent`, the password must have been proven within the last few minutes — the changes that could
   * hand the account to someone else (secret question, terminals, login method) ask for it again.
   */
  async function signedIn(ctx: Context, options: { recent?: boolean } = {}): Promise<Signed | null> {
    const current = await sessions.current(ctx);
    if (!current) {
      await sessions.startLogin(ctx, ctx.method === 'GET' ? ctx.path : '/account');
      return null;
    }
    const { session, standing } = current;
    const { account, tenant } = standing;
    useTenant(ctx, tenant);
    if (!tenant.policy.features.accountPages) {
      renderMessage(ctx, views, { title: 'account.home.title', paragraphs: ['account.unavailable'] }, 403);
      return null;
    }
    if (ctx.method === 'POST' && !csrfValid(ctx, session.csrf)) {
      renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
      return null;
    }
    const signed = { session, account, tenant, standing, locale: localeOf(ctx) };
    if (options.recent && !recentlyAuthenticated(session, deps.clock.now())) {
      reauthPage(ctx, signed, ctx.method === 'GET' ? ctx.path : '/account');
      return null;
    }
    return signed;
  }

  /** アカウント管理 asks for the password again before a sensitive change; then back to `next`. */
  function reauthPage(ctx: Context, s: Signed, next: string, errors: string[] = [], status = 401) {
    page(
      ctx,
      s,
      'account-form',
      {
        heading: 'account.reauth.title',
        intro: 'account.reauth.intro',
        action: '/account/reauth',
        userId: s.account.userId,
        submit: 'account.reauth.submit',
        errors,
        hidden: [{ name: 'next', value: next }],
        fields: [
          {
            name: 'password',
            label: 'login.password',
            type: 'password',
            autocomplete: 'current-password',
          },
          // An account that signs in with a one-time password proves it again too.
          ...(needsOtp(s.account)
            ? [{ name: 'code', label: 'otp.code', type: 'text', autocomplete: 'one-time-code' }]
            : []),
        ],
      },
      status,
    );
  }

  const page = (ctx: Context, s: Signed, view: string, data: Record<string, unknown>, status = 200) =>
    render(
      ctx,
      views,
      view,
      {
        locale: s.locale,
        csrf: s.session.csrf,
        title: String(data.heading ?? 'account.home.title'),
        // ログイン方法の変更 only where there is a choice to make.
        methodMenu: s.tenant.policy.features.loginMethods.length > 1,
        // The layout shows who is signed in and ログアウト at the top right.
        signedInAs: s.account.userId,
        certificateMenu: s.tenant.policy.features.certificateReissue,
        ...data,
      },
      status,
    );
  const done = (ctx: Context, s: Signed, heading: string, message: string, menu = 'home', steps?: Step[]) =>
    page(ctx, s, 'account-message', { heading, menu, steps, paragraphs: [t(s.locale, message)] });
  /** The step bar of a multi-step page (partials/steps.hbs): catalog keys in order, one current. */
  const steps = (s: Signed, keys: string[], current: number): Step[] =>
    keys.map((key, i) => ({ label: t(s.locale, key), current: i === current }));
  const errorsOf = (s: Signed, violations: Violation[]) =>
    violations.map((v) => t(s.locale, v.code, v.params));

  const featureOff = (ctx: Context) =>
    renderMessage(ctx, views, { title: 'account.home.title', paragraphs: ['account.feature_off'] }, 403);

  return { deps, form, signedIn, reauthPage, page, done, steps, errorsOf, featureOff };
}

/** Does a re-authentication of this account ask for the one-time password as well? */
export function needsOtp(account: Pick<Account, 'loginMethod' | 'totpSecretEnc'>): boolean {
  return account.loginMethod === 'password_otp' && account.totpSecretEnc !== null;
}
