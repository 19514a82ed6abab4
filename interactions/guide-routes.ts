/** 電子証明書ダウンロードマニュアル: how to install the .p12 on each platform, and where the CA certificate is. */
import { Router } from '@koa/router';
import { t } from '../src/i18n/index.js';
import { localeOf, render } from './page.js';
import type { Views } from './views.js';

/** Each has `guide.<id>` (heading) and `guide.<id>.steps` ('|'-separated steps) in the catalog. */
export const GUIDE_PLATFORMS = ['macos', 'windows', 'ios', 'android', 'firefox'] as const;

export function guideRoutes(deps: { views: Views }): Router {
  const router = new Router();
  router.get('/guide', (ctx) => {
    const locale = localeOf(ctx);
    const platforms = GUIDE_PLATFORMS.map((id) => ({
      id,
      title: t(locale, `guide.${id}`),
      steps: t(locale, `guide.${id}.steps`).split('|'),
    }));
    render(ctx, deps.views, 'guide', { locale, title: 'guide.title', platforms });
  });
  return router;
}
