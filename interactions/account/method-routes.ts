/** ログイン方法の変更 (manual appendix 2). */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { LoginMethod } from '../../src/domain.js';
import { t } from '../../src/i18n/index.js';
import { formField } from '../page.js';
import type { AccountKit, Signed } from './kit.js';

export function methodRoutes(kit: AccountKit): Router {
  const { deps, form, signedIn, page, errorsOf } = kit;
  const { sessions, settings, store } = deps;
  const router = new Router();

  // ---- ログイン方法の変更 (appendix 2) --------------------------------------------------------------
  const methodSteps = (s: Signed, current: number) =>
    kit.steps(
      s,
      ['choose', 'confirm', 'done'].map((step) => `account.method.step.${step}`),
      current,
    );
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
    const s = await signedIn(ctx, { recent: true });
    if (s) methodForm(ctx, s);
  });

  router.post('/account/login-method', form, async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
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
    const s = await signedIn(ctx, { recent: true });
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

  return router;
}
