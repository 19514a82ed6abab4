/**
 * Enrollment pages (初回認証 → 認証情報登録 → 認証情報登録完了). Progress (the one-time password was
 * right) and the CSRF token live in a server-side form session bound to the ticket.
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { t, type Locale } from '../src/i18n/index.js';
import { SECRET_QUESTION_IDS, type TenantPolicy } from '../src/policy/tenant-policy.js';
import type { DownloadService } from '../src/services/downloads.js';
import type { EnrollmentService, OpenTicket, TicketProblem } from '../src/services/enrollment.js';
import { TerminalEmailError } from '../src/services/terminal-email.js';
import { csrfProblemPage, downloadRoutes, linkProblemPage } from './download-routes.js';
import type { FormSession, FormSessions } from './form-session.js';
import { guideRoutes } from './guide-routes.js';
import { csrfValid, formField, localeOf, render, renderLockedPage, useTenant } from './page.js';
import type { SecretBox } from '../src/crypto/secret-box.js';
import { terminalEmailParagraphs } from './terminal-email-message.js';
import type { Views } from './views.js';

export interface EnrollRouteDeps {
  views: Views;
  enrollment: EnrollmentService;
  /** Given: the download and guide pages the enrollment leads to are mounted here too. */
  downloads?: DownloadService;
  forms: FormSessions;
  /** For the download pages: seals the file kept between the password and its fetch. */
  box: Pick<SecretBox, 'seal' | 'open'>;
}

const STEPS = ['enroll.step.otp', 'enroll.step.credentials', 'enroll.step.done'] as const;
const steps = (locale: Locale, current: number) =>
  STEPS.map((key, i) => ({ label: t(locale, key), current: i === current }));
export const questions = (locale: Locale, selected = '') =>
  SECRET_QUESTION_IDS.map((id) => ({
    id,
    label: t(locale, `secret_question.${id}`),
    selected: id === selected,
  }));

export function enrollRoutes(deps: EnrollRouteDeps): Router {
  const { views, enrollment, downloads, forms } = deps;
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const linkProblem = (ctx: Context, kind: TicketProblem, support?: string) =>
    linkProblemPage(ctx, views, kind, support);

  const lockedPage = (ctx: Context, support: string) =>
    renderLockedPage(ctx, views, { reason: 'enroll.locked', supportContact: support });

  function credentialsPage(
    ctx: Context,
    opened: Extract<OpenTicket, { kind: 'ok' }>,
    session: FormSession,
    token: string,
    extra: { errors?: string[]; questionId?: string } = {},
    status = 200,
  ) {
    const locale = localeOf(ctx);
    const policy: TenantPolicy['password'] = opened.tenant.policy.password;
    render(
      ctx,
      views,
      'enroll-credentials',
      {
        locale,
        title: 'enroll.credentials.title',
        steps: steps(locale, 1),
        token,
        csrf: session.csrf,
        userId: opened.account.userId,
        minLength: policy.minLength,
        maxLength: policy.maxLength,
        questions: questions(locale, extra.questionId),
        errors: extra.errors ?? [],
      },
      status,
    );
  }

  /** The ticket must be usable, and (for later steps) this browser must have passed the OTP step. */
  async function openStep(
    ctx: Context,
    needVerified: boolean,
  ): Promise<{ opened: Extract<OpenTicket, { kind: 'ok' }>; session: FormSession } | null> {
    const opened = await enrollment.open(String(ctx.params.token));
    if (opened.tenant) useTenant(ctx, opened.tenant);
    if (opened.kind !== 'ok') {
      linkProblem(ctx, opened.kind, opened.tenant?.supportContact);
      return null;
    }
    if (opened.account.status === 'locked') {
      lockedPage(ctx, opened.tenant.supportContact);
      return null;
    }
    const scope = `enroll:${opened.ticket.id}`;
    const session = needVerified ? await forms.load(ctx, scope) : await forms.resume(ctx, scope);
    if (needVerified && !session?.data.verified) {
      ctx.redirect(`/enroll/${ctx.params.token}`);
      return null;
    }
    if (ctx.method === 'POST' && !csrfValid(ctx, session!.csrf)) {
      csrfProblemPage(ctx, views);
      return null;
    }
    return { opened, session: session! };
  }

  router.get('/enroll/:token', async (ctx) => {
    const step = await openStep(ctx, false);
    if (!step) return;
    const locale = localeOf(ctx);
    render(ctx, views, 'enroll-otp', {
      locale,
      title: 'enroll.otp.title',
      steps: steps(locale, 0),
      token: ctx.params.token,
      csrf: step.session.csrf,
      userId: step.opened.account.userId,
    });
  });

  router.post('/enroll/:token', form, async (ctx) => {
    const step = await openStep(ctx, false);
    if (!step) return;
    const { opened, session } = step;
    const result = await enrollment.verifyOneTimePassword(
      opened.ticket,
      opened.account,
      opened.tenant,
      formField(ctx, 'otp', 64),
    );
    if (result.kind === 'locked') return lockedPage(ctx, opened.tenant.supportContact);
    if (result.kind === 'used') return linkProblem(ctx, 'used', opened.tenant.supportContact);
    if (result.kind === 'mismatch') {
      const locale = localeOf(ctx);
      render(
        ctx,
        views,
        'enroll-otp',
        {
          locale,
          title: 'enroll.otp.title',
          steps: steps(locale, 0),
          token: ctx.params.token,
          csrf: session.csrf,
          userId: opened.account.userId,
          errors: [t(locale, 'enroll.otp_mismatch')],
          warning: t(locale, 'enroll.otp.remaining', { remaining: result.remaining }),
        },
        401,
      );
      return;
    }
    // A new id and token once the one-time password is proven: an id planted before cannot ride along.
    await forms.rotate(ctx, session, { ...session.data, verified: true });
    ctx.status = 303;
    ctx.redirect(`/enroll/${ctx.params.token}/credentials`);
  });

  router.get('/enroll/:token/credentials', async (ctx) => {
    const step = await openStep(ctx, true);
    if (step) credentialsPage(ctx, step.opened, step.session, String(ctx.params.token));
  });

  router.post('/enroll/:token/credentials', form, async (ctx) => {
    const step = await openStep(ctx, true);
    if (!step) return;
    const { opened, session } = step;
    const locale = localeOf(ctx);
    const input = {
      password: formField(ctx, 'password', 1024),
      confirmation: formField(ctx, 'confirmation', 1024),
      questionId: formField(ctx, 'questionId', 64),
      answer: formField(ctx, 'answer', 1024),
    };
    let result;
    try {
      result = await enrollment.register(opened.ticket, opened.account, opened.tenant, input, locale);
    } catch (error) {
      if (!(error instanceof TerminalEmailError)) throw error;
      // A pending account made before addresses had to be ASCII: refused before anything was written
      // (the link still works once the administrator has changed the address).
      const next = { userMayChange: false, support: opened.tenant.supportContact };
      return render(
        ctx,
        views,
        'message',
        {
          locale,
          title: 'enroll.credentials.title',
          heading: 'enroll.credentials.title',
          paragraphs: terminalEmailParagraphs(locale, error, next),
          steps: steps(locale, 1),
        },
        409,
      );
    }
    if (result.kind === 'invalid') {
      credentialsPage(
        ctx,
        opened,
        session,
        String(ctx.params.token),
        { errors: result.violations.map((v) => t(locale, v.code, v.params)), questionId: input.questionId },
        422,
      );
      return;
    }
    await forms.end(ctx, session);
    if (result.kind === 'used') return linkProblem(ctx, 'used', opened.tenant.supportContact);
    // Shown once, in this response only: nothing stores it for a second look.
    // No language link here: following it would leave the page that alone shows the password.
    render(ctx, views, 'enroll-done', {
      locale,
      title: 'enroll.done.title',
      steps: steps(locale, 2),
      downloadPassword: result.downloadPassword,
      hideLanguageSwitch: true,
    });
  });

  if (downloads) {
    router.use(downloadRoutes({ views, downloads, forms, box: deps.box }).routes());
    router.use(guideRoutes({ views }).routes());
  }

  return router;
}
