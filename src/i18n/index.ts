/**
 * Message catalogs. Every user-visible text lives in a catalog (ja default, en), keyed by a stable
 * code; code never carries prose. Params are `{name}` placeholders.
 */
import common from './catalogs/common.js';
import password from './catalogs/password.js';
import mail from './catalogs/mail.js';
import enroll from './catalogs/enroll.js';
import recovery from './catalogs/recovery.js';
import account from './catalogs/account.js';
import brand from './catalogs/brand.js';

export const LOCALES = ['ja', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ja';

export type Messages = Record<string, string>;
export interface CatalogArea {
  ja: Messages;
  en: Messages;
}

const areas: CatalogArea[] = [common, password, mail, enroll, recovery, account, brand];

const catalogs: Record<Locale, Messages> = {
  ja: Object.assign({}, ...areas.map((a) => a.ja)) as Messages,
  en: Object.assign({}, ...areas.map((a) => a.en)) as Messages,
};

export type Params = Record<string, string | number>;

/**
 * Translate `key`; a missing key falls back to Japanese, then to the key itself (visible in tests).
 * A message may choose its words by a number, ICU style: `{n, plural, one {# attempt} other {# attempts}}`
 * (`#` is the number; categories from Intl.PluralRules of the locale, `=N` for an exact value).
 */
export function t(locale: Locale, key: string, params: Params = {}): string {
  const template = catalogs[locale][key] ?? catalogs.ja[key] ?? key;
  return template
    .replace(PLURAL, (match, name: string, cases: string) =>
      Object.hasOwn(params, name) ? (pluralCase(locale, Number(params[name]), cases) ?? match) : match,
    )
    .replace(/\{(\w+)\}/g, (match, name: string) =>
      Object.hasOwn(params, name) ? String(params[name]) : match,
    );
}

const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;

function pluralCase(locale: Locale, n: number, cases: string): string | undefined {
  const options = new Map(
    [...cases.matchAll(/(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}/g)].map((m) => [m[1]!, m[2]!]),
  );
  const chosen =
    options.get(`=${n}`) ?? options.get(new Intl.PluralRules(locale).select(n)) ?? options.get('other');
  return chosen?.replace(/#/g, String(n));
}

export function hasMessage(key: string): boolean {
  return Object.hasOwn(catalogs.ja, key);
}

export function allKeys(locale: Locale): string[] {
  return Object.keys(catalogs[locale]);
}

/**
 * Pick a locale: an explicit choice (query `?lang=` or cookie) wins, then Accept-Language by quality,
 * then Japanese.
 */
export function negotiateLocale(explicit: string | undefined, acceptLanguage: string | undefined): Locale {
  if (explicit && (LOCALES as readonly string[]).includes(explicit)) return explicit as Locale;
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.find((p) => p.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const base = tag.split('-')[0];
    if (base === 'ja' || base === 'en') return base;
  }
  return DEFAULT_LOCALE;
}

/** OIDC `ui_locales`: space-separated BCP 47 tags in order of preference; the first one Tobira speaks. */
export function uiLocale(param: unknown): Locale | null {
  if (typeof param !== 'string') return null;
  for (const tag of param.split(' ')) {
    const base = tag.trim().toLowerCase().split('-')[0];
    if (base === 'ja' || base === 'en') return base;
  }
  return null;
}
