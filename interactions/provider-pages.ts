/** oidc-provider's own pages (errors, logout) in Tobira's layout and language. */
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../src/provider.js';
import { t } from '../src/i18n/index.js';
import { StoreUnavailableError } from '../src/store.js';
import { localeOf, render, renderMessage, useUiLocales } from './page.js';
import type { Views } from './views.js';

export function providerPages(views: Views): ProviderPages {
  return {
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      useUiLocales(ctx, ctx.oidc.params ?? {});
      render(ctx, views, 'logout', { title: 'logout.title', form });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      useUiLocales(ctx, ctx.oidc?.params ?? {});
      const locale = localeOf(ctx);
      render(ctx, views, 'message', {
        locale,
        title: 'logout.title',
        heading: 'logout.title',
        paragraphs: [t(locale, 'logout.done')],
      });
    },
    async renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) {
      useUiLocales(ctx, ctx.oidc?.params ?? {});
      const locale = localeOf(ctx);
      if (error instanceof StoreUnavailableError) {
        // The store is down: say so (503) rather than "something went wrong" (500).
        ctx.set('Retry-After', '5');
        renderMessage(
          ctx,
          views,
          {
            title: 'error.title',
            paragraphs: ['error.unavailable'],
            detail: t(locale, 'error.code', { code: 'store_unavailable' }),
          },
          503,
        );
        return;
      }
      const code = typeof out.error === 'string' ? out.error : 'server_error';
      const expired =
        code === 'invalid_request' &&
        /interaction|session|expired|cookie/i.test(String(out.error_description ?? ''));
      renderMessage(
        ctx,
        views,
        {
          title: 'error.title',
          paragraphs: [expired ? 'error.session_expired' : 'error.generic'],
          detail: t(locale, 'error.code', { code }),
        },
        ctx.status >= 400 ? ctx.status : 400,
      );
    },
  };
}
