/**
 * Recovery pages: パスワード再発行 (request → mail → secret question → new password shown once) and
 * 証明書再発行 (mailed link → secret question → new download password). Manual ch. 7–8.
 */
import { bodyParser } from '@koa/bodyparser';
import { randomInt } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { BackgroundTasks } from '../src/background.js';
import { sourceIp, type ProxyTrust } from '../src/http/client-context.js';
import { t, type Locale } from '../src/i18n/index.js';
import type { RateLimiter } from '../src/services/rate-limiter.js';
import type { RecoveryService } from '../src/services/recovery.js';
import { TerminalEmailError } from '../src/services/terminal-email.js';
import { questions } from './enroll-routes.js';
import type { FormSessions } from './form-session.js';
import {
  csrfValid,
  formField,
  localeOf,
  render,
  renderLockedPage,
  renderMessage,
  useTenant,
} from './page.js';
import { terminalEmailParagraphs } from './terminal-email-message.js';
import type { Views } from './views.js';

export interface RecoveryRouteDeps {
  views: Views;
  recovery: RecoveryService;
  forms: FormSessions;
  rateLimiter: RateLimiter;
  trust: ProxyTrust;
  background: BackgroundTasks;
}

type Kind = 'password' | 'certificate';
const PURPOSE = { password: 'password_reissue', certificate: 'cert_reissue' } as const;
/** Generous for people, a wall for scripts sending mail to others. */
const REQUESTS_PER_IP = { name: 'recovery-ip', windowSeconds: 3600, max: 20 };
/** When a re-issue request's lookup runs: later than its response, at a time not tied to it. */
const REISSUE_DELAY_MS = 20;
const REISSUE_JITTER_MS = 80;

const steps = (locale: Locale, kind: Kind, current: number) =>
  ['request', 'sent', 'question', 'done'].map((step, i) => ({
    label: t(locale, `recovery.${kind}.step.${step}`),
    current: i === current,
  }));

export function recoveryRoutes(deps: RecoveryRouteDeps): Router {
  const { views, recovery, forms } = deps;
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });

  const lockedPage = (ctx: Context, support: string) =>
    renderLockedPage(ctx, views, {
      title: 'recovery.locked.title',
      reason: 'secret_answer.locked',
      supportContact: support,
    });
  const linkProblem = (ctx: Context, kind: string, support?: string) =>
    renderMessage(
      ctx,
      views,
      {
        title: 'enroll.link.title',
        paragraphs: [`enroll.link.${kind}`, ['enroll.link.contact', { support: support ?? '—' }]],
      },
      kind === 'unknown' ? 404 : 410,
    );

  router.get('/recovery/password', async (ctx) => {
    const locale = localeOf(ctx);
    const session = await forms.resume(ctx, 'recovery:password');
    render(ctx, views, 'recovery-request', {
      locale,
      title: 'recovery.password.request.title',
      steps: steps(locale, 'password', 0),
      csrf: session.csrf,
    });
  });

  router.post('/recovery/password', form, async (ctx) => {
    const session = await forms.load(ctx, 'recovery:password');
    if (!session || !csrfValid(ctx, session.csrf))
      return renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
    const ip = sourceIp(ctx.req, deps.trust);
    const limited = await deps.rateLimiter.hit(REQUESTS_PER_IP, ip);
    if (!limited.ok) {
      ctx.set('Retry-After', String(limited.retryAfter));
      return renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.rate_limited'] }, 429);
    }
    const locale = localeOf(ctx);
    const request = {
      userId: formField(ctx, 'userId', 128),
      email: formField(ctx, 'email', 254),
      locale,
      sourceIp: ip,
    };
    // The same page whether or not anything matched, and the lookup (the same reads on every path)
    // starts only a while after the response is out: a mail-and-ticket match costs a few
    // milliseconds more, and run at once that work would delay this very response (and the
    // requester's next one), telling whether the account exists.
    deps.background.run('password reissue request', async () => {
      await new Promise((resolve) => setTimeout(resolve, REISSUE_DELAY_MS + randomInt(REISSUE_JITTER_MS)));
      await recovery.requestPasswordReissue(request);
    });
    render(ctx, views, 'message', {
      locale,
      title: 'recovery.password.sent.title',
      heading: 'recovery.password.sent.title',
      paragraphs: [t(locale, 'recovery.password.sent.body')],
      steps: steps(locale, 'password', 1),
    });
  });

  for (const kind of ['password', 'certificate'] as const) {
    const base = `/recovery/${kind}/:token`;

    const questionPage = (
      ctx: Context,
      token: string,
      csrf: string,
      extra: { errors?: string[]; questionId?: string } = {},
      status = 200,
    ) => {
      const locale = localeOf(ctx);
      render(
        ctx,
        views,
        'recovery-question',
        {
          locale,
          title: `recovery.${kind}.question.title`,
          heading: `recovery.${kind}.question.title`,
          intro: `recovery.${kind}.question.intro`,
          steps: steps(locale, kind, 2),
          action: `/recovery/${kind}/${token}`,
          csrf,
          questions: questions(locale, extra.questionId),
          errors: extra.errors ?? [],
        },
        status,
      );
    };

    /**
     * No certificate can be made for the link's terminal: said before anything is made, the link left
     * unused; only the administrator can change the address for someone who is not signed in.
     */
    const emailNotAscii = (ctx: Context, error: TerminalEmailError, support: string) => {
      const locale = localeOf(ctx);
      const next = { userMayChange: false, support };
      render(
        ctx,
        views,
        'message',
        {
          locale,
          title: 'recovery.certificate.question.title',
          heading: 'recovery.certificate.question.title',
          paragraphs: terminalEmailParagraphs(locale, error, next),
          steps: steps(locale, kind, 2),
        },
        409,
      );
    };

    const openStep = async (ctx: Context) => {
      const opened = await recovery.open(PURPOSE[kind], String(ctx.params.token));
      if (opened.tenant) useTenant(ctx, opened.tenant);
      if (opened.kind !== 'ok') return void linkProblem(ctx, opened.kind, opened.tenant?.supportContact);
      if (opened.account.status === 'locked' && opened.account.lockReason === 'secret_answer')
        return void lockedPage(ctx, opened.tenant.supportContact);
      const uncertifiable = kind === 'certificate' ? await recovery.uncertifiable(opened.ticket) : null;
      if (uncertifiable) return void emailNotAscii(ctx, uncertifiable, opened.tenant.supportContact);
      return opened;
    };

    router.get(base, async (ctx) => {
      const opened = await openStep(ctx);
      if (!opened) return;
      const session = await forms.resume(ctx, `recovery:${opened.ticket.id}`);
      questionPage(ctx, String(ctx.params.token), session.csrf);
    });

    router.post(base, form, async (ctx) => {
      const opened = await openStep(ctx);
      if (!opened) return;
      const session = await forms.load(ctx, `recovery:${opened.ticket.id}`);
      if (!session || !csrfValid(ctx, session.csrf))
        return renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
      const locale = localeOf(ctx);
      const questionId = formField(ctx, 'questionId', 64);
      const outcome = await recovery.checkAnswer(
        opened.account,
        opened.tenant,
        questionId,
        formField(ctx, 'answer', 256),
      );
      if (outcome.kind === 'locked') return lockedPage(ctx, opened.tenant.supportContact);
      if (outcome.kind === 'mismatch')
        return questionPage(
          ctx,
          String(ctx.params.token),
          session.csrf,
          { errors: [t(locale, 'secret_answer.mismatch')], questionId },
          422,
        );
      await forms.end(ctx, session);
      let done;
      try {
        done =
          kind === 'password'
            ? await recovery.completePasswordReissue(opened.ticket, opened.account, opened.tenant)
            : await recovery.completeCertificateReissue(opened.ticket, opened.account, opened.tenant, locale);
      } catch (error) {
        if (!(error instanceof TerminalEmailError)) throw error;
        return emailNotAscii(ctx, error, opened.tenant.supportContact);
      }
      if (done.kind === 'used') return linkProblem(ctx, 'used', opened.tenant.supportContact);
      render(ctx, views, 'recovery-done', {
        locale,
        title: `recovery.${kind}.done.title`,
        heading: `recovery.${kind}.done.title`,
        body: `recovery.${kind}.done.body`,
        label: kind === 'password' ? 'recovery.password.done.label' : 'enroll.done.password_label',
        after: kind === 'certificate' ? 'recovery.certificate.done.after' : null,
        secret: 'password' in done ? done.password : done.downloadPassword,
        steps: steps(locale, kind, 3),
        hideLanguageSwitch: true,
      });
    });
  }

  return router;
}
