/** 端末の追加・変更・削除 (manual appendices 1 and 3). */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Terminal, TerminalType } from '../../src/domain.js';
import { t } from '../../src/i18n/index.js';
import { formField, renderMessage } from '../page.js';
import type { AccountKit, Signed, Step } from './kit.js';

const TERMINAL_TYPES: TerminalType[] = ['pc', 'mobile', 'smartphone'];
// The manual's step bar: 「端末登録」 → 端末登録確認 → 端末登録完了.
const ADD_STEPS = [
  'account.terminal.step.input',
  'account.terminal.step.confirm',
  'account.terminal.step.done',
];

export function terminalRoutes(kit: AccountKit): Router {
  const { deps, form, signedIn, page, done, steps, errorsOf, featureOff } = kit;
  const { views, settings, store } = deps;
  const router = new Router();

  const typeOptions = (s: Signed, selected = '') =>
    TERMINAL_TYPES.map((value) => ({
      value,
      text: t(s.locale, `account.terminal.type.${value}`),
      selected: value === selected,
    }));
  // ---- terminals (appendix 1 and 3) -----------------------------------------------------------------
  const terminalForm = (
    ctx: Context,
    s: Signed,
    input: {
      action: string;
      heading: string;
      email?: string;
      type?: string;
      errors?: string[];
      steps?: Step[];
    },
    status = 200,
  ) =>
    page(
      ctx,
      s,
      'account-form',
      {
        heading: input.heading,
        // Terminals live under アカウント管理 in the menu, as in the manual.
        menu: 'home',
        steps: input.steps,
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

  router.get('/account/terminals/new', async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
    if (!s) return;
    if (!s.tenant.policy.features.terminalAdd) return featureOff(ctx);
    terminalForm(ctx, s, {
      action: '/account/terminals/new',
      heading: 'account.terminal.new.title',
      steps: steps(s, ADD_STEPS, 0),
    });
  });

  router.post('/account/terminals/new', form, async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
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
          steps: steps(s, ADD_STEPS, 0),
          ...input,
          errors: errorsOf(s, violations),
        },
        422,
      );
    if (formField(ctx, 'confirm', 4) !== '1') {
      // 端末登録確認: show what will be registered (戻る / 登録).
      return page(ctx, s, 'account-confirm', {
        heading: 'account.terminal.confirm.title',
        menu: 'home',
        steps: steps(s, ADD_STEPS, 1),
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
    done(
      ctx,
      s,
      'account.terminal.added.title',
      'account.terminal.added.body',
      'home',
      steps(s, ADD_STEPS, 2),
    );
  });

  router.get('/account/terminals/:number/edit', async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
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
    const s = await signedIn(ctx, { recent: true });
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
    const s = await signedIn(ctx, { recent: true });
    if (!s) return;
    if (!s.tenant.policy.features.terminalDelete) return featureOff(ctx);
    const terminal = await terminalOf(ctx, s);
    if (!terminal) return;
    page(ctx, s, 'account-confirm', {
      heading: 'account.terminal.delete.title',
      menu: 'home',
      danger: true,
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
    const s = await signedIn(ctx, { recent: true });
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

  return router;
}
