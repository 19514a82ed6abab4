/**
 * Shared plumbing of the account pages: who is signed in (or off to the login), and page rendering
 * with the menu. The routes live in routes.ts, terminal-routes.ts and method-routes.ts.
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
import type { Store } from '../../src/store.js';
import type { AccountSession, AccountSessions } from '../account-session.js';
import { csrfValid, localeOf, render, renderMessage } from '../page.js';
import type { Views } from '../views.js';

export interface AccountRouteDeps {
  views: Views;
  sessions: AccountSessions;
  settings: AccountSettings;
  certificates: CertificateService;
  store: Store;
  clock: Clock;
  totp: TotpService;
}

export interface Signed {
  session: AccountSession;
  account: Account;
  tenant: Tenant;
  locale: Locale;
}

export type AccountKit = ReturnType<typeof accountKit>;

export function accountKit(deps: AccountRouteDeps) {
  const { views, sessions, store } = deps;
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });

  /** The signed-in account of this request, or a redirect to the login (then back here). */
  async function signedIn(ctx: Context): Promise<Signed | null> {
    const session = await sessions.current(ctx);
    if (!session) {
      await sessions.startLogin(ctx, ctx.method === 'GET' ? ctx.path : '/account');
      return null;
    }
    const account = await store.getAccount(session.accountId);
    const tenant = account ? await store.getTenant(account.tenantId) : null;
    if (!account || !tenant || account.status !== 'active') {
      await sessions.end(ctx, session);
      await sessions.startLogin(ctx, '/account');
      return null;
    }
    if (!tenant.policy.features.accountPages) {
      renderMessage(ctx, views, { title: 'account.home.title', paragraphs: ['account.unavailable'] }, 403);
      return null;
    }
    if (ctx.method === 'POST' && !csrfValid(ctx, session.csrf)) {
      renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
      return null;
    }
    return { session, account, tenant, locale: localeOf(ctx) };
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
        ...data,
      },
      status,
    );
  const done = (ctx: Context, s: Signed, heading: string, message: string, menu = 'home') =>
    page(ctx, s, 'account-message', { heading, menu, paragraphs: [t(s.locale, message)] });
  const errorsOf = (s: Signed, violations: Violation[]) =>
    violations.map((v) => t(s.locale, v.code, v.params));

  const featureOff = (ctx: Context) =>
    renderMessage(ctx, views, { title: 'account.home.title', paragraphs: ['account.feature_off'] }, 403);

  return { deps, form, signedIn, page, done, errorsOf, featureOff };
}
