/**
 * 証明書再発行 started from アカウント管理 (SPEC §6, manual ch. 8): the signed-in user, with a recent
 * password proof, picks one of their terminals; Tobira mails 「証明書再発行手順のご案内」 to that
 * terminal's address. The rest (mailed link → secret question → new certificate and download
 * password) is the same flow as an admin-started re-issue (recovery-routes.ts).
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { sourceIp } from '../../src/http/client-context.js';
import { t } from '../../src/i18n/index.js';
import { TerminalEmailError } from '../../src/services/terminal-email.js';
import { formField } from '../page.js';
import { terminalEmailParagraphs } from '../terminal-email-message.js';
import type { AccountKit, Signed } from './kit.js';

/** A signed-in session may not turn Tobira into a mail cannon aimed at its own addresses. */
const REQUESTS_PER_ACCOUNT = { name: 'account-cert-reissue', windowSeconds: 3600, max: 5 };
const PATH = '/account/certificate';

export function certificateRoutes(kit: AccountKit): Router {
  const { deps, form, signedIn, page, featureOff } = kit;
  const { store, recovery } = deps;
  const router = new Router();

  // The manual's four steps: 案内 → 案内完了 (here), then 証明書再発行 → 完了 through the mailed link.
  const STEPS = ['request', 'sent', 'question', 'done'].map((step) => `recovery.certificate.step.${step}`);
  const steps = (s: Signed, current: number) => kit.steps(s, STEPS, current);

  async function requestPage(ctx: Context, s: Signed, errors: string[] = [], status = 200) {
    const terminals = (await store.listTerminals(s.account.id)).filter((x) => !x.deleted);
    // The terminal whose certificate is in use now is offered first.
    const selected = Number(formField(ctx, 'terminal', 8)) || s.standing.terminal.number;
    page(
      ctx,
      s,
      'account-certificate',
      {
        heading: 'recovery.certificate.request.title',
        intro: 'recovery.certificate.request.intro',
        menu: 'certificate',
        steps: steps(s, 0),
        action: PATH,
        userId: s.account.userId,
        errors,
        terminals: await Promise.all(
          terminals.map(async (terminal) => ({
            number: terminal.number,
            email: terminal.email,
            type: t(s.locale, `account.terminal.type.${terminal.type}`),
            expiry: terminal.currentCertificateSerial
              ? (await store.getCertificate(terminal.currentCertificateSerial))?.notAfter
              : null,
            checked: terminal.number === selected,
          })),
        ),
      },
      status,
    );
  }

  router.get(PATH, async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
    if (!s) return;
    if (!s.tenant.policy.features.certificateReissue) return featureOff(ctx);
    await requestPage(ctx, s);
  });

  router.post(PATH, form, async (ctx) => {
    const s = await signedIn(ctx, { recent: true });
    if (!s) return;
    if (!s.tenant.policy.features.certificateReissue) return featureOff(ctx);
    const limited = await deps.rateLimiter.hit(REQUESTS_PER_ACCOUNT, s.account.id);
    if (!limited.ok) {
      ctx.set('Retry-After', String(limited.retryAfter));
      return requestPage(ctx, s, [t(s.locale, 'error.rate_limited')], 429);
    }
    let result;
    try {
      result = await recovery.requestCertificateReissue({
        account: s.account,
        tenant: s.tenant,
        terminalNumber: Number(formField(ctx, 'terminal', 8)),
        locale: s.locale,
        sourceIp: sourceIp(ctx.req, deps.trust),
      });
    } catch (error) {
      if (!(error instanceof TerminalEmailError)) throw error;
      // Nothing was mailed: say why, and what to change first (the user can, where the tenant allows).
      const next = {
        userMayChange: s.tenant.policy.features.terminalChange,
        support: s.tenant.supportContact,
      };
      return requestPage(ctx, s, terminalEmailParagraphs(s.locale, error, next), 409);
    }
    if (result.kind === 'feature_off') return featureOff(ctx);
    if (result.kind === 'no_terminal')
      return requestPage(ctx, s, [t(s.locale, 'recovery.certificate.request.choose')], 422);
    page(ctx, s, 'account-message', {
      heading: 'recovery.certificate.sent.title',
      menu: 'certificate',
      steps: steps(s, 1),
      paragraphs: [
        t(s.locale, 'recovery.certificate.sent.body', {
          number: result.terminal.number,
          email: result.terminal.email,
        }),
        t(s.locale, 'recovery.certificate.sent.note'),
      ],
    });
  });

  return router;
}
