/**
 * Certificate download (manual ch. 4): the single-use link from 「電子証明書ダウンロードのご案内」 asks for
 * the download password and answers with the PKCS#12 file. Also the page every mailed link shows when
 * it cannot be used (unknown, expired, replaced, used), naming the tenant's support desk.
 *
 * A navigating browser (Sec-Fetch-Mode: navigate) is sent from the form to 「ダウンロードしました」, which
 * fetches the file (a meta refresh; no scripts here): the page then says what to do next instead of
 * keeping the form and an earlier error. The file waits for that one fetch in this browser's
 * SameSite=Strict form session (the PKCS#12 is encrypted with the download password). A client that
 * does not navigate (a script) gets the file in the answer to its POST.
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { t } from '../src/i18n/index.js';
import { sha256Hex } from '../src/random.js';
import type { DownloadRefusal, DownloadService } from '../src/services/downloads.js';
import type { TicketProblem } from '../src/services/enrollment.js';
import { TerminalEmailError } from '../src/services/terminal-email.js';
import type { FormSessions } from './form-session.js';
import { csrfValid, formField, localeOf, render, renderMessage, useTenant } from './page.js';
import type { SecretBox } from '../src/crypto/secret-box.js';
import { terminalEmailParagraphs } from './terminal-email-message.js';
import type { Views } from './views.js';

export interface DownloadRouteDeps {
  views: Views;
  downloads: DownloadService;
  forms: FormSessions;
  /** Seals the file kept for the 「ダウンロード完了」 page's one fetch (key material at rest). */
  box: Pick<SecretBox, 'seal' | 'open'>;
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

/** The downloaded file of this link, kept in the form session until its one fetch. */
const readyScope = (token: string) => `download-ready:${sha256Hex(token)}`;
const readyPurpose = (token: string) => `download-file:${sha256Hex(token)}`;
interface ReadyFile {
  filename: string;
  type: string;
  /** The file sealed with the data key (`readyPurpose`) until fetched, then gone. */
  body?: string;
}

export function csrfProblemPage(ctx: Context, views: Views): void {
  renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
}

export function downloadRoutes(deps: DownloadRouteDeps): Router {
  const { views, downloads, forms, box } = deps;
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
    if (opened.tenant) useTenant(ctx, opened.tenant);
    if (opened.kind !== 'ok') return linkProblemPage(ctx, views, opened.kind, opened.tenant?.supportContact);
    const session = await forms.resume(ctx, `download:${opened.ticket.id}`);
    page(ctx, opened, session.csrf);
  });

  /** The open link and this browser's form session, or the page that says why not (already rendered). */
  const formFor = async (ctx: Context) => {
    const opened = await downloads.open(String(ctx.params.token));
    if (opened.tenant) useTenant(ctx, opened.tenant);
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

  /** Hand over the file: at once to a script, through 「ダウンロードしました」 to a navigating browser. */
  async function deliver(
    ctx: Context,
    f: NonNullable<Awaited<ReturnType<typeof formFor>>>,
    file: ReadyFile & { data: Buffer | string },
  ) {
    await forms.end(ctx, f.session);
    if (ctx.get('sec-fetch-mode') !== 'navigate') return sendFile(ctx, file.filename, file.type, file.data);
    const token = String(ctx.params.token);
    const ready: ReadyFile = {
      filename: file.filename,
      type: file.type,
      body: box.seal(Buffer.from(file.data), readyPurpose(token)),
    };
    await forms.start(ctx, readyScope(token), { ...ready });
    ctx.status = 303;
    ctx.redirect(`/download/${encodeURIComponent(token)}/done`);
  }

  const readyFor = async (ctx: Context) => {
    const session = await forms.load(ctx, readyScope(String(ctx.params.token)));
    if (!session) linkProblemPage(ctx, views, 'used');
    return session;
  };

  router.get('/download/:token/done', async (ctx) => {
    const session = await readyFor(ctx);
    if (!session) return;
    // The ticket is used by now but still names its tenant, whose brand this page carries.
    const { tenant } = await downloads.open(String(ctx.params.token));
    if (tenant) useTenant(ctx, tenant);
    const ready = session.data as unknown as ReadyFile;
    const fileHref = ready.body ? `/download/${encodeURIComponent(String(ctx.params.token))}/file` : null;
    render(ctx, views, 'download-done', {
      title: 'download.done.title',
      refresh: fileHref,
      fileHref,
      filename: ready.filename,
    });
  });

  router.get('/download/:token/file', async (ctx) => {
    const session = await readyFor(ctx);
    if (!session) return;
    const ready = session.data as unknown as ReadyFile;
    if (!ready.body) return linkProblemPage(ctx, views, 'used');
    await forms.save({ ...session, data: { filename: ready.filename, type: ready.type } });
    sendFile(ctx, ready.filename, ready.type, box.open(ready.body, readyPurpose(String(ctx.params.token))));
  });

  router.post('/download/:token', form, async (ctx) => {
    const f = await formFor(ctx);
    if (!f) return;
    const result = await downloads.download(String(ctx.params.token), formField(ctx, 'password', 128));
    if (result.kind !== 'ok') return refused(ctx, f, result);
    await deliver(ctx, f, { filename: result.filename, type: 'application/x-pkcs12', data: result.p12 });
  });

  router.post('/download/:token/csr', form, async (ctx) => {
    const f = await formFor(ctx);
    if (!f) return;
    const csr = formField(ctx, 'csr', 8192);
    let result;
    try {
      result = await downloads.issueFromCsr(String(ctx.params.token), formField(ctx, 'password', 128), csr);
    } catch (error) {
      if (!(error instanceof TerminalEmailError)) throw error;
      // Not signed in here: the address is changed by the administrator (or on the account pages).
      const next = { userMayChange: false, support: f.opened.tenant.supportContact };
      return page(
        ctx,
        f.opened,
        f.session.csrf,
        terminalEmailParagraphs(localeOf(ctx), error, next),
        409,
        csr,
      );
    }
    if (result.kind !== 'ok') return refused(ctx, f, result, csr);
    // The certificate and the CA certificate, PEM: what `openssl pkcs12 -export` and OS importers take.
    await deliver(ctx, f, {
      filename: result.filename,
      type: 'application/x-pem-file',
      data: result.chainPem,
    });
  });

  return router;
}
