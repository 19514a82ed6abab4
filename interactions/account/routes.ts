/** Account pages: sign-in callback, アカウント管理, password, secret question, history, sign-out. */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { t } from '../../src/i18n/index.js';
import { questions } from '../enroll-routes.js';
import { accountReturnPath } from '../../src/policy/reauthentication.js';
import { formField, localeOf, renderLockedPage, renderMessage } from '../page.js';
import { ACCOUNT_CLIENT_ID } from '../../src/account-client.js';
import { sourceIp } from '../../src/http/client-context.js';
import { accountKit, needsOtp, type AccountKit, type AccountRouteDeps, type Signed } from './kit.js';
import { otpErrorKey } from '../../src/services/login-flow.js';
import { certificateRoutes } from './certificate-routes.js';
import { methodRoutes } from './method-routes.js';
import { terminalRoutes } from './terminal-routes.js';

export function accountPageRoutes(kit: AccountKit): Router {
  const { deps, form, signedIn, reauthPage, page, done, steps, errorsOf } = kit;
  const { views, sessions, settings, store } = deps;
  const router = new Router();

  /** The password proof that reached the threshold locked the account: end the sessions, say so. */
  async function lockedOut(ctx: Context, s: Signed) {
    await sessions.end(ctx, s.session);
    renderLockedPage(ctx, views, { reason: 'login.failed', supportContact: s.tenant.supportContact });
  }

  router.get('/account/callback', async (ctx) => {
    // ログインを中止: the login answers access_denied; a cancel, not an expiry.
    if (ctx.query.error === 'access_denied' && !ctx.query.code)
      return renderMessage(ctx, views, {
        title: 'account.cancelled.title',
        paragraphs: ['account.cancelled'],
        links: [{ href: '/account', label: t(localeOf(ctx), 'account.cancelled.again') }],
      });
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
    ctx.redirect(accountReturnPath(next));
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
        steps: steps(s, PASSWORD_STEPS, 0),
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
          {
            name: 'password',
            label: 'account.password.new',
            type: 'password',
            autocomplete: 'new-password',
            hint: t(s.locale, 'password.rules_summary', {
              min: s.tenant.policy.password.minLength,
              max: s.tenant.policy.password.maxLength,
            }),
          },
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
    if (result.kind === 'locked') return lockedOut(ctx, s);
    if (result.kind === 'invalid') return passwordForm(ctx, s, errorsOf(s, result.violations), 422);
    done(ctx, s, 'account.password.title', 'account.password.done', 'password', steps(s, PASSWORD_STEPS, 1));
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
        steps: steps(s, SECRET_STEPS, 0),
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
    const s = await signedIn(ctx, { recent: true });
    if (s) secretForm(ctx, s);
  });

  router.post('/account/secret', form, async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
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
    done(ctx, s, 'account.secret.title', 'account.secret.done', 'secret', steps(s, SECRET_STEPS, 1));
  });

  // ---- re-authentication before sensitive changes ------------------------------------------------
  router.post('/account/reauth', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const next = accountReturnPath(formField(ctx, 'next', 256));
    const result = await settings.reauthenticate(s.account, s.tenant, formField(ctx, 'password', 1024));
    if (result.kind === 'locked') return lockedOut(ctx, s);
    if (result.kind === 'invalid') return reauthPage(ctx, s, next, errorsOf(s, result.violations));
    if (needsOtp(s.account)) {
      const attempt = {
        sourceIp: sourceIp(ctx.req, deps.trust),
        userAgent: ctx.get('user-agent').slice(0, 512) || null,
        clientId: ACCOUNT_CLIENT_ID,
        certSerial: s.standing.certificate.serial,
      };
      const otp = await deps.login.verifyOtp(s.account, s.tenant, formField(ctx, 'code', 16), attempt);
      if (otp.kind === 'locked') return lockedOut(ctx, s);
      if (otp.kind === 'failed') return reauthPage(ctx, s, next, [t(s.locale, otpErrorKey(otp))]);
    }
    await sessions.save({ ...s.session, authenticatedAt: deps.clock.now().getTime() });
    ctx.status = 303;
    ctx.redirect(next);
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

  router.post('/account/logout', form, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    await sessions.end(ctx, s.session);
    renderMessage(ctx, views, { title: 'account.logout', paragraphs: ['account.logged_out'] });
  });

  return router;
}

const HISTORY_PAGE = 10;
// The manual's step bars: 「パスワード変更」 → パスワード変更完了, 「秘密の質問・答え変更」 → 完了.
const PASSWORD_STEPS = ['account.password.step.input', 'account.password.step.done'];
const SECRET_STEPS = ['account.secret.step.input', 'account.secret.step.done'];
const MONTH_MS = 31 * 86_400_000;

/** Every account page route. */
export function accountRoutes(deps: AccountRouteDeps): Router {
  const kit = accountKit(deps);
  return new Router()
    .use(accountPageRoutes(kit).routes())
    .use(terminalRoutes(kit).routes())
    .use(methodRoutes(kit).routes())
    .use(certificateRoutes(kit).routes());
}
