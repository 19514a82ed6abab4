/**
 * The public pages outside any flow: the issuer's landing page (what this is, and where each of the
 * manual's self-service entries starts), and 電子証明書ダウンロードマニュアル — how to install the .p12
 * on each platform, and where the CA certificate is.
 */
import { Router } from '@koa/router';
import { t } from '../src/i18n/index.js';
import { localeOf, render } from './page.js';
import type { Views } from './views.js';

/** Each has `guide.<id>` (heading) and `guide.<id>.steps` ('|'-separated steps) in the catalog. */
export const GUIDE_PLATFORMS = ['macos', 'windows', 'ios', 'android', 'firefox'] as const;

/** The landing page's entries: `home.link.<id>` (label) and `home.link.<id>.about` in the catalog. */
const HOME_LINKS = [
  { id: 'guide', href: '/guide' },
  { id: 'account', href: '/account' },
  { id: 'password', href: '/recovery/password' },
  { id: 'ca', href: '/ca/ca.crt' },
] as const;

export function guideRoutes(deps: { views: Views }): Router {
  const router = new Router();
  router.get('/', (ctx) => {
    const locale = localeOf(ctx);
    const links = HOME_LINKS.map(({ id, href }) => ({
      href,
      label: t(locale, `home.link.${id}`),
      description: t(locale, `home.link.${id}.about`),
    }));
    render(ctx, deps.views, 'home', { locale, title: 'home.title', links });
  });
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
