/** Shared page plumbing: locale choice, rendering, form parsing, CSRF checks. */
import type { Context } from 'koa';
import type { Tenant } from '../src/domain.js';
import { brandUrls } from '../src/http/brand-routes.js';
import { DEFAULT_TIME_ZONE } from '../src/i18n/datetime.js';
import { DEFAULT_LOCALE, negotiateLocale, t, uiLocale, type Locale, type Params } from '../src/i18n/index.js';
import { safeEqual } from '../src/random.js';
import type { ClientStore, TenantStore } from '../src/store.js';
import type { Views } from './views.js';

const LANG_COOKIE = 'tobira_lang';

/**
 * `?lang=` wins and is remembered in a cookie; then the relying party's `ui_locales` for the login in
 * progress (`useUiLocales`); then the cookie; then Accept-Language; then Japanese.
 */
export function localeOf(ctx: Context): Locale {
  const query = typeof ctx.query.lang === 'string' ? ctx.query.lang : undefined;
  if (query === 'ja' || query === 'en') {
    ctx.cookies.set(LANG_COOKIE, query, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      signed: false,
      maxAge: 365 * 86400_000,
    });
    return query;
  }
  const requested = (ctx.state as { uiLocale?: Locale }).uiLocale;
  if (requested) return requested;
  const cookie = ctx.cookies.get(LANG_COOKIE, { signed: false });
  return negotiateLocale(cookie, ctx.get('accept-language') || undefined) ?? DEFAULT_LOCALE;
}

/** The pages of this request speak the authorization request's `ui_locales` (when Tobira speaks one). */
export function useUiLocales(ctx: Context, params: { ui_locales?: unknown }): void {
  const locale = uiLocale(params.ui_locales);
  if (locale) (ctx.state as { uiLocale?: Locale }).uiLocale = locale;
}

/**
 * The pages of this request belong to `tenant` (the client's at login, the account's, the ticket's):
 * they carry its brand and show times in its zone. Set only once the tenant is established for this
 * request, so one tenant's brand never reaches another's user; pages without one show Tobira's.
 */
export function useTenant(ctx: Context, tenant: Tenant): void {
  (ctx.state as { pageTenant?: Tenant }).pageTenant = tenant;
}

/** The relying party's tenant for this request's pages (none for a client serving every tenant). */
export async function useClientTenant(
  ctx: Context,
  store: Pick<ClientStore, 'getClient'> & Pick<TenantStore, 'getTenant'>,
  clientId: string,
): Promise<void> {
  const client = await store.getClient(clientId);
  const tenant = client ? await store.getTenant(client.tenantId) : null;
  if (tenant) useTenant(ctx, tenant);
}

/** What the layout's brand partials show; null fields fall back to Tobira's defaults. */
export interface PageBrand {
  tenantId: string | null;
  name: string | null;
  logo: string | null;
  stylesheet: string | null;
  supportContact: string | null;
  phone: string | null;
  email: string | null;
  hours: string | null;
  termsUrl: string | null;
  privacyUrl: string | null;
}

const NO_BRAND: PageBrand = {
  tenantId: null,
  name: null,
  logo: null,
  stylesheet: null,
  supportContact: null,
  phone: null,
  email: null,
  hours: null,
  termsUrl: null,
  privacyUrl: null,
};

export function pageBrand(tenant: Tenant | null): PageBrand {
  if (!tenant) return NO_BRAND;
  const b = tenant.policy.branding;
  return {
    tenantId: tenant.id,
    name: b.displayName ?? null,
    ...brandUrls(tenant),
    supportContact: tenant.supportContact,
    phone: b.support?.phone ?? null,
    email: b.support?.email ?? null,
    hours: b.support?.hours ?? null,
    termsUrl: b.termsUrl ?? null,
    privacyUrl: b.privacyUrl ?? null,
  };
}

export type PageInput = { title: string; locale?: Locale; [key: string]: unknown };

export function render(ctx: Context, views: Views, page: string, data: PageInput, status = 200): void {
  const locale = data.locale ?? localeOf(ctx);
  const tenant = (ctx.state as { pageTenant?: Tenant }).pageTenant ?? null;
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = views.render(page, {
    ...data,
    locale,
    path: ctx.path,
    brand: pageBrand(tenant),
    timeZone: tenant?.policy.timeZone ?? DEFAULT_TIME_ZONE,
  });
}

/** A page that only says something: a heading and paragraphs from the catalog. */
export function renderMessage(
  ctx: Context,
  views: Views,
  input: {
    title: string;
    heading?: string;
    paragraphs: (string | [string, Params])[];
    detail?: string;
    links?: { href: string; label: string }[];
  },
  status = 200,
): void {
  const locale = localeOf(ctx);
  const paragraphs = input.paragraphs.map((p) => (Array.isArray(p) ? t(locale, p[0], p[1]) : t(locale, p)));
  render(
    ctx,
    views,
    'message',
    {
      locale,
      title: input.title,
      heading: input.heading ?? input.title,
      paragraphs,
      detail: input.detail,
      links: input.links ?? [],
    },
    status,
  );
}

/** A string field of a urlencoded form body ('' when absent), length-capped so huge input costs nothing. */
export function formField(ctx: Context, name: string, max = 256): string {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

export function csrfValid(ctx: Context, expected: string): boolean {
  const given = formField(ctx, 'csrf', 128);
  return given.length > 0 && safeEqual(given, expected);
}

/**
 * The lock page (403): why the account locked, that only the website's support desk can unlock it,
 * and how to reach that desk.
 */
export function renderLockedPage(
  ctx: Context,
  views: Views,
  input: { reason: string; supportContact: string; title?: string },
): void {
  renderMessage(
    ctx,
    views,
    {
      title: input.title ?? 'locked.title',
      paragraphs: [input.reason, 'locked.support', ['locked.contact', { support: input.supportContact }]],
    },
    403,
  );
}
