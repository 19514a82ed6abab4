/**
 * Certificate download (manual ch. 4): the single-use link from 「電子証明書ダウンロードのご案内」 asks for
 * the download password and answers with the PKCS#12 file. Also the page every mailed link shows when
 * it cannot be used (unknown, expired, used), naming the tenant's support desk.
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { t } from '../src/i18n/index.js';
import type { DownloadService } from '../src/services/downloads.js';
import type { TicketProblem } from '../src/services/enrollment.js';
import type { FormSessions } from './form-session.js';
import { csrfValid, formField, localeOf, render, renderMessage } from './page.js';
import type { Views } from './views.js';

export interface DownloadRouteDeps {
  views: Views;
  downloads: DownloadService;
  forms: FormSessions;
}

/** 「このリンクは使用できません」 with the reason and whom to contact; 404 for unknown, 410 otherwise. */
export function linkProblemPage(
  ctx: Context,
  views: Views,
  kind: TicketProblem | 'too_many_attempts',
  support?: string,
): void {
  const message = kind === 'too_many_attempts' ? 'download.too_many' : `enroll.link.${kind}`;
  renderMessage(
    ctx,
    views,
    {
      title: 'enroll.link.title',
      paragraphs: [message, ['enroll.link.contact', { support: support ?? '—' }]],
    },
    kind === 'unknown' ? 404 : 410,
  );
}

export function csrfProblemPage(ctx: Context, views: Views): void {
  renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
}

export function downloadRoutes(deps: DownloadRouteDeps): Router {
  const { views, downloads, forms } = deps;
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const page = (
    ctx: Context,
    opened: Extract<Awaited<ReturnType<DownloadService['open']>>, { kind: 'ok' }>,
    csrf: string,
    errors: string[] = [],
    status = 200,
  ) =>
    render(
      ctx,
      views,
      'download',
      {
        title: 'download.title',
        token: ctx.params.token,
        csrf,
        userId: opened.account.userId,
        certificateName: `${opened.account.userId} #${opened.terminal.number}`,
        errors,
      },
      status,
    );

  router.get('/download/:token', async (ctx) => {
    const opened = await downloads.open(String(ctx.params.token));
    if (opened.kind !== 'ok') return linkProblemPage(ctx, views, opened.kind, opened.tenant?.supportContact);
    const session = await forms.resume(ctx, `download:${opened.ticket.id}`);
    page(ctx, opened, session.csrf);
  });

  router.post('/download/:token', form, async (ctx) => {
    const token = String(ctx.params.token);
    const opened = await downloads.open(token);
    if (opened.kind !== 'ok') return linkProblemPage(ctx, views, opened.kind, opened.tenant?.supportContact);
    const session = await forms.load(ctx, `download:${opened.ticket.id}`);
    if (!session || !csrfValid(ctx, session.csrf)) return csrfProblemPage(ctx, views);
    const result = await downloads.download(token, formField(ctx, 'password', 128));
    if (result.kind === 'ok') {
      await forms.end(ctx, session);
      ctx.set('Content-Disposition', `attachment; filename="${result.filename}"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'application/x-pkcs12';
      ctx.body = result.p12;
      return;
    }
    if (result.kind !== 'wrong_password')
      return linkProblemPage(ctx, views, result.kind, result.tenant?.supportContact);
    const locale = localeOf(ctx);
    page(ctx, opened, session.csrf, [t(locale, 'download.wrong', { remaining: result.remaining })], 401);
  });

  return router;
}
