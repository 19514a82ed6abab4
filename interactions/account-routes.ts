/**
 * Account pages (SPEC §5, manual ch. 6 and appendices 1 and 3): アカウント管理 with the terminal table,
 * パスワード変更, 秘密の質問・答え変更, ログイン履歴閲覧, terminal add / change / delete, ログアウト.
 * Every page needs a fresh certificate + password login (see account-session.ts).
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Account, Tenant, Terminal, TerminalType } from '../src/domain.js';
import { t, type Locale } from '../src/i18n/index.js';
import type { AccountSettings } from '../src/services/account-settings.js';
import type { CertificateService } from '../src/services/certificates.js';
import type { Violation } from '../src/services/enrollment.js';
import type { Store } from '../src/store.js';
import type { Clock } from '../src/clock.js';
import type { TotpService } from '../src/services/totp.js';
import type { LoginMethod } from '../src/domain.js';
import type { AccountSession, AccountSessions } from './account-session.js';
import { questions } from './enroll-routes.js';
import { csrfValid, formField, localeOf, render, renderMessage } from './page.js';
import type { Views } from './views.js';

export interface AccountRouteDeps {
  views: Views;
  sessions: AccountSessions;
  settings: AccountSettings;
  certificates: CertificateService;
  store: Store;
  clock: Clock;
  totp: TotpService;
}

interface Signed {
  session: AccountSession;
  account: Account;
  tenant: Tenant;
  locale: Locale;
}

const HISTORY_PAGE = 10;
const MONTH_MS = 31 * 86_400_000;
const TERMINAL_TYPES: TerminalType[] = ['pc', 'mobile', 'smartphone'];

export function accountRoutes(deps: AccountRouteDeps): Router {
  const { views, sessions, settings, store } = deps;
  const router = new Router();
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
  const typeOptions = (s: Signed, selected = '') =>
    TERMINAL_TYPES.map((value) => ({
      value,
      text: t(s.locale, `account.terminal.type.${value}`),
      selected: value === selected,
    }));

  router.get('/account/callback', async (ctx) => {
    const next = await sessions.finishLogin(ctx);
    if (!next)
      return renderMessage(
        ctx,
        views,
        {
          title: 'error.title',
          paragraphs: ['error.session_expired'],
          links: [{ href: '/account', label: t(localeOf(ctx), 'account.menu.home') }],
        },
        400,
      );
    ctx.redirect(next.startsWith('/account') ? next : '/account');
  });

  router.get('/account', async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const features = s.tenant.policy.features;
    const terminals = await store.listTerminals(s.account.id);
    const rows = await Promise.all(
      terminals.map(async (terminal) => ({
        number: terminal.number,
        email: terminal.email,
        expiry: terminal.currentCertificateSerial
          ? (await store.getCertificate(terminal.currentCertificateSerial))?.notAfter
          : null,
        downloadPassword: deps.certificates.pendingDownloadPassword(terminal),
      })),
    );
    page(ctx, s, 'account-home', {
      heading: 'account.home.title',
      menu: 'home',
      userId: s.account.userId,
      terminals: rows,
      canAdd: features.terminalAdd && terminals.length < features.maxTerminals,
      canChange: features.terminalChange,
      canDelete: features.terminalDelete && terminals.length > 1,
      canEdit: features.terminalChange || (features.terminalDelete && terminals.length > 1),
    });
  });

  // ---- password and secret question ---------------------------------------------------------------
  const passwordForm = (ctx: Context, s: Signed, errors: string[] = [], status = 200) =>
    page(
      ctx,
      s,
      'account-form',
      {
        heading: 'account.password.title',
        intro: 'account.password.intro',
        menu: 'password',
        action: '/account/password',
        userId: s.account.userId,
        submit: 'account.register',
        errors,
        fields: [
          {
            name: 'current',
            label: 'account.password.current',
            type: 'password',
            autocomplete: 'current-password',
          },
          { name: 'password', label: 'account.password.new', type: 'password', autocomplete: 'new-password' },
          {
            name: 'confirmation',
            label: 'account.password.confirmation',
            type: 'password',
            autocomplete: 'new-password',
          },
        ],
      },
      status,
    );

  router.get('/account/password', async (ctx) => {
    const s = await signedIn(ctx);
    if (s) passwordForm(ctx, s);
  });

  router.post('/account/password', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const result = await settings.changePassword(s.account, s.tenant, {
      current: formField(ctx, 'current', 1024),
      password: formField(ctx, 'password', 1024),
      confirmation: formField(ctx, 'confirmation', 1024),
    });
    if (result.kind === 'locked') {
      await sessions.end(ctx, s.session);
      return renderMessage(
        ctx,
        views,
        {
          title: 'locked.title',
          paragraphs: [
            'login.failed',
            'locked.support',
            ['locked.contact', { support: s.tenant.supportContact }],
          ],
        },
        403,
      );
    }
    if (result.kind === 'invalid') return passwordForm(ctx, s, errorsOf(s, result.violations), 422);
    done(ctx, s, 'account.password.title', 'account.password.done', 'password');
  });

  const secretForm = (
    ctx: Context,
    s: Signed,
    errors: string[] = [],
    selected = s.account.secretQuestionId ?? '',
    status = 200,
  ) =>
    page(
      ctx,
      s,
      'account-form',
      {
        heading: 'account.secret.title',
        intro: 'account.secret.intro',
        menu: 'secret',
        action: '/account/secret',
        userId: s.account.userId,
        submit: 'account.register',
        errors,
        fields: [
          {
            name: 'questionId',
            label: 'enroll.question',
            options: questions(s.locale, selected).map((q) => ({
              value: q.id,
              text: q.label,
              selected: q.selected,
            })),
          },
          { name: 'answer', label: 'enroll.answer', type: 'text', autocomplete: 'off' },
        ],
      },
      status,
    );

  router.get('/account/secret', async (ctx) => {
    const s = await signedIn(ctx);
    if (s) secretForm(ctx, s);
  });

  router.post('/account/secret', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const questionId = formField(ctx, 'questionId', 64);
    const result = await settings.changeSecret(s.account, {
      questionId,
      answer: formField(ctx, 'answer', 256),
    });
    if (result.kind !== 'ok')
      return secretForm(
        ctx,
        s,
        result.kind === 'invalid' ? errorsOf(s, result.violations) : [],
        questionId,
        422,
      );
    done(ctx, s, 'account.secret.title', 'account.secret.done', 'secret');
  });

  // ---- login history --------------------------------------------------------------------------------
  router.get('/account/history', async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const requested = Math.max(1, Number.parseInt(String(ctx.query.page ?? '1'), 10) || 1);
    const since = new Date(deps.clock.now().getTime() - MONTH_MS);
    const first = await store.listLoginEvents({ accountId: s.account.id, since, limit: 1 });
    const pages = Math.max(1, Math.ceil(first.total / HISTORY_PAGE));
    const current = Math.min(requested, pages);
    const events = await store.listLoginEvents({
      accountId: s.account.id,
      since,
      offset: (current - 1) * HISTORY_PAGE,
      limit: HISTORY_PAGE,
    });
    const from = events.total === 0 ? 0 : (current - 1) * HISTORY_PAGE + 1;
    page(ctx, s, 'account-history', {
      heading: 'account.history.title',
      menu: 'history',
      events: events.items.map((e) => ({
        at: e.at,
        sourceIp: e.sourceIp,
        result: t(s.locale, `result.${e.result}`),
      })),
      countLabel: t(s.locale, 'account.history.count', {
        from,
        to: from === 0 ? 0 : from + events.items.length - 1,
        total: events.total,
      }),
      pageLabel: t(s.locale, 'account.history.page', { page: current, pages }),
      previous: current > 1 ? current - 1 : null,
      next: current < pages ? current + 1 : null,
    });
  });

  // ---- terminals (appendix 1 and 3) -----------------------------------------------------------------
  const terminalForm = (
    ctx: Context,
    s: Signed,
    input: { action: string; heading: string; email?: string; type?: string; errors?: string[] },
    status = 200,
  ) =>
    page(
      ctx,
      s,
      'account-form',
      {
        heading: input.heading,
        intro: 'account.terminal.new.intro',
        action: input.action,
        submit: 'account.terminal.confirm_button',
        errors: input.errors ?? [],
        fields: [
          {
            name: 'email',
            label: 'account.terminal.email',
            type: 'email',
            autocomplete: 'email',
            value: input.email ?? '',
          },
          {
            name: 'confirmation',
            label: 'account.terminal.email_confirmation',
            type: 'email',
            autocomplete: 'off',
            value: input.email ?? '',
          },
          { name: 'type', label: 'account.terminal.type', options: typeOptions(s, input.type) },
        ],
      },
      status,
    );

  async function terminalOf(ctx: Context, s: Signed): Promise<Terminal | null> {
    const number = Number(ctx.params.number);
    const terminal = (await store.listTerminals(s.account.id)).find((x) => x.number === number) ?? null;
    if (!terminal) renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.not_found'] }, 404);
    return terminal;
  }

  const featureOff = (ctx: Context) =>
    renderMessage(ctx, views, { title: 'account.home.title', paragraphs: ['account.feature_off'] }, 403);

  router.get('/account/terminals/new', async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (!s.tenant.policy.features.terminalAdd) return featureOff(ctx);
    terminalForm(ctx, s, { action: '/account/terminals/new', heading: 'account.terminal.new.title' });
  });

  router.post('/account/terminals/new', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (!s.tenant.policy.features.terminalAdd) return featureOff(ctx);
    const input = {
      email: formField(ctx, 'email', 254).trim(),
      confirmation: formField(ctx, 'confirmation', 254).trim(),
      type: formField(ctx, 'type', 16),
    };
    const violations = settings.terminalViolations(s.tenant, await store.listTerminals(s.account.id), input);
    if (violations.length)
      return terminalForm(
        ctx,
        s,
        {
          action: '/account/terminals/new',
          heading: 'account.terminal.new.title',
          ...input,
          errors: errorsOf(s, violations),
        },
        422,
      );
    if (formField(ctx, 'confirm', 4) !== '1') {
      // 端末登録確認: show what will be registered (戻る / 登録).
      return page(ctx, s, 'account-confirm', {
        heading: 'account.terminal.confirm.title',
        intro: t(s.locale, 'account.terminal.confirm.intro'),
        action: '/account/terminals/new',
        backHref: '/account/terminals/new',
        submit: 'account.register',
        rows: [
          { label: t(s.locale, 'account.terminal.email'), value: input.email },
          {
            label: t(s.locale, 'account.terminal.type'),
            value: t(s.locale, `account.terminal.type.${input.type}`),
          },
        ],
        hidden: [
          { name: 'email', value: input.email },
          { name: 'confirmation', value: input.confirmation },
          { name: 'type', value: input.type },
        ],
      });
    }
    await settings.addTerminal(
      s.account,
      s.tenant,
      { email: input.email, type: input.type as TerminalType },
      s.locale,
    );
    done(ctx, s, 'account.terminal.added.title', 'account.terminal.added.body');
  });

  router.get('/account/terminals/:number/edit', async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (!s.tenant.policy.features.terminalChange) return featureOff(ctx);
    const terminal = await terminalOf(ctx, s);
    if (terminal)
      terminalForm(ctx, s, {
        action: `/account/terminals/${terminal.number}/edit`,
        heading: 'account.terminal.edit.title',
        email: terminal.email,
        type: terminal.type,
      });
  });

  router.post('/account/terminals/:number/edit', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (!s.tenant.policy.features.terminalChange) return featureOff(ctx);
    const terminal = await terminalOf(ctx, s);
    if (!terminal) return;
    const input = {
      email: formField(ctx, 'email', 254).trim(),
      confirmation: formField(ctx, 'confirmation', 254).trim(),
      type: formField(ctx, 'type', 16),
    };
    // The terminal count rule does not apply to a change: check against the others only.
    const others = (await store.listTerminals(s.account.id)).filter((x) => x.id !== terminal.id);
    const violations = settings.terminalViolations(s.tenant, others, input);
    if (violations.length)
      return terminalForm(
        ctx,
        s,
        {
          action: `/account/terminals/${terminal.number}/edit`,
          heading: 'account.terminal.edit.title',
          ...input,
          errors: errorsOf(s, violations),
        },
        422,
      );
    await settings.changeTerminal(s.account, terminal, {
      email: input.email,
      type: input.type as TerminalType,
    });
    done(ctx, s, 'account.terminal.edit.title', 'account.terminal.changed');
  });

  router.get('/account/terminals/:number/delete', async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (!s.tenant.policy.features.terminalDelete) return featureOff(ctx);
    const terminal = await terminalOf(ctx, s);
    if (!terminal) return;
    page(ctx, s, 'account-confirm', {
      heading: 'account.terminal.delete.title',
      intro: t(s.locale, 'account.terminal.delete.confirm', {
        number: terminal.number,
        email: terminal.email,
      }),
      action: `/account/terminals/${terminal.number}/delete`,
      backHref: '/account',
      submit: 'account.terminal.delete',
      rows: [],
      hidden: [],
    });
  });

  router.post('/account/terminals/:number/delete', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (!s.tenant.policy.features.terminalDelete) return featureOff(ctx);
    const terminal = await terminalOf(ctx, s);
    if (!terminal) return;
    const result = await settings.deleteTerminal(s.account, terminal);
    if (result.kind === 'invalid')
      return page(
        ctx,
        s,
        'account-message',
        { heading: 'account.terminal.delete.title', paragraphs: errorsOf(s, result.violations) },
        422,
      );
    done(ctx, s, 'account.terminal.delete.title', 'account.terminal.deleted');
  });

  // ---- ログイン方法の変更 (appendix 2) --------------------------------------------------------------
  const methodSteps = (s: Signed, current: number) =>
    ['choose', 'confirm', 'done'].map((step, i) => ({
      label: t(s.locale, `account.method.step.${step}`),
      current: i === current,
    }));
  const methodForm = (ctx: Context, s: Signed, errors: string[] = [], status = 200) =>
    page(
      ctx,
      s,
      'account-form',
      {
        heading: 'account.method.title',
        intro: 'account.method.intro',
        menu: 'method',
        steps: methodSteps(s, 0),
        action: '/account/login-method',
        submit: 'account.method.next',
        errors,
        fields: [
          {
            name: 'method',
            label: 'account.method.label',
            options: s.tenant.policy.features.loginMethods.map((value) => ({
              value,
              text: t(s.locale, `account.method.${value}`),
              selected: value === s.account.loginMethod,
            })),
          },
        ],
      },
      status,
    );
  const setupPage = async (ctx: Context, s: Signed, pending: string, errors: string[] = [], status = 200) =>
    page(
      ctx,
      s,
      'otp-setup',
      {
        heading: 'otp_setup.title',
        title: 'otp_setup.title',
        menu: 'method',
        action: '/account/login-method/totp',
        errors,
        ...(await deps.totp.display(s.account, pending)),
      },
      status,
    );

  router.get('/account/login-method', async (ctx) => {
    const s = await signedIn(ctx);
    if (s) methodForm(ctx, s);
  });

  router.post('/account/login-method', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const method = formField(ctx, 'method', 32) as LoginMethod;
    if (!s.tenant.policy.features.loginMethods.includes(method))
      return methodForm(ctx, s, [t(s.locale, 'account.feature_off')], 422);
    if (method === s.account.loginMethod)
      return methodForm(ctx, s, [t(s.locale, 'account.method.unchanged')], 422);
    if (formField(ctx, 'confirm', 4) !== '1') {
      const terminals = await store.listTerminals(s.account.id);
      return page(ctx, s, 'account-confirm', {
        heading: 'account.method.title',
        menu: 'method',
        steps: methodSteps(s, 1),
        intro: t(s.locale, 'account.method.confirm.intro'),
        action: '/account/login-method',
        backHref: '/account/login-method',
        submit: 'account.method.execute',
        rows: [
          {
            label: t(s.locale, 'account.method.before'),
            value: t(s.locale, `account.method.${s.account.loginMethod}`),
          },
          { label: t(s.locale, 'account.method.after'), value: t(s.locale, `account.method.${method}`) },
          { label: t(s.locale, 'login.user_id'), value: s.account.userId },
          ...terminals.map((x) => ({
            label: `${t(s.locale, 'account.terminal.number')} ${x.number}`,
            value: `${t(s.locale, `account.terminal.type.${x.type}`)} ${x.email}`,
          })),
        ],
        hidden: [{ name: 'method', value: method }],
      });
    }
    if (method === 'password_otp' && !s.account.totpSecretEnc) {
      const pending = deps.totp.begin(s.account);
      await sessions.save({ ...s.session, pendingTotpSecretEnc: pending });
      return setupPage(ctx, s, pending);
    }
    const result = await settings.setLoginMethod(s.account, s.tenant, method);
    if (result.kind !== 'ok')
      return methodForm(ctx, s, result.kind === 'invalid' ? errorsOf(s, result.violations) : [], 422);
    page(ctx, s, 'account-message', {
      heading: 'account.method.title',
      menu: 'method',
      steps: methodSteps(s, 2),
      paragraphs: [t(s.locale, 'account.method.done')],
    });
  });

  router.post('/account/login-method/totp', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const pending = s.session.pendingTotpSecretEnc;
    if (!pending) return void ctx.redirect('/account/login-method');
    const activated = await deps.totp.activate(s.account, pending, formField(ctx, 'code', 16));
    if (!activated) return setupPage(ctx, s, pending, [t(s.locale, 'otp.failed')], 401);
    await sessions.save({ ...s.session, pendingTotpSecretEnc: null });
    await settings.setLoginMethod(activated, s.tenant, 'password_otp');
    page(ctx, s, 'account-message', {
      heading: 'account.method.title',
      menu: 'method',
      steps: methodSteps(s, 2),
      paragraphs: [t(s.locale, 'account.method.done')],
    });
  });

  router.post('/account/logout', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    await sessions.end(ctx, s.session);
    renderMessage(ctx, views, { title: 'account.logout', paragraphs: ['account.logged_out'] });
  });

  return router;
}
