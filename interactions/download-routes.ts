/**
 * Certificate download (manual ch. 4): the single-use link from 「電子証明書ダウンロードのご案内」 asks for
 * the download password and answers with the PKCS#12 file. Also the page every mailed link shows when
 * it cannot be used (unknown, expired, used), naming the tenant's support desk.
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { t } from '../src/i18n/index.js';
import type { DownloadRefusal, DownloadService } from '../src/services/downloads.js';
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

function sendFile(ctx: Context, filename: string, type: string, body: Buffer | string): void {
  ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = type;
  ctx.body = body;
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
    csr = '',
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
        pemFilename: `${opened.account.userId}-${opened.terminal.number}.pem`,
        errors,
        csr,
      },
      status,
    );

  router.get('/download/:token', async (ctx) => {
    const opened = await downloads.open(String(ctx.params.token));
    if (opened.kind !== 'ok') return linkProblemPage(ctx, views, opened.kind, opened.tenant?.supportContact);
    const session = await forms.resume(ctx, `download:${opened.ticket.id}`);
    page(ctx, opened, session.csrf);
  });

  /** The open link and this browser's form session, or the page that says why not (already rendered). */
  const formFor = async (ctx: Context) => {
    const opened = await downloads.open(String(ctx.params.token));
    if (opened.kind !== 'ok') {
      linkProblemPage(ctx, views, opened.kind, opened.tenant?.supportContact);
      return null;
    }
    const session = await forms.load(ctx, `download:${opened.ticket.id}`);
    if (!session || !csrfValid(ctx, session.csrf)) {
      csrfProblemPage(ctx, views);
      return null;
    }
    return { opened, session };
  };

  const refused = (
    ctx: Context,
    f: NonNullable<Awaited<ReturnType<typeof formFor>>>,
    result: DownloadRefusal | { kind: 'csr_invalid' },
    csr = '',
  ) => {
    const locale = localeOf(ctx);
    if (result.kind === 'wrong_password')
      return page(ctx, f.opened, f.session.csrf, [t(locale, 'download.wrong', result)], 401, csr);
    if (result.kind === 'csr_invalid')
      return page(ctx, f.opened, f.session.csrf, [t(locale, 'download.csr.invalid')], 400, csr);
    linkProblemPage(ctx, views, result.kind, result.tenant?.supportContact);
  };

  router.post('/download/:token', form, async (ctx) => {
    const f = await formFor(ctx);
    if (!f) return;
    const result = await downloads.download(String(ctx.params.token), formField(ctx, 'password', 128));
    if (result.kind !== 'ok') return refused(ctx, f, result);
    await forms.end(ctx, f.session);
    sendFile(ctx, result.filename, 'application/x-pkcs12', result.p12);
  });

  router.post('/download/:token/csr', form, async (ctx) => {
    const f = await formFor(ctx);
    if (!f) return;
    const csr = formField(ctx, 'csr', 8192);
    const result = await downloads.issueFromCsr(
      String(ctx.params.token),
      formField(ctx, 'password', 128),
      csr,
    );
    if (result.kind !== 'ok') return refused(ctx, f, result, csr);
    await forms.end(ctx, f.session);
    // The certificate and the CA certificate, PEM: what `openssl pkcs12 -export` and OS importers take.
    sendFile(ctx, result.filename, 'application/x-pem-file', result.chainPem);
  });

  return router;
}
