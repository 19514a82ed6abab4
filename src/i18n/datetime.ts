/**
 * Times as people read them: in the tenant's time zone whatever the page language, always labelled
 * with that zone (「2026年12月2日 21:40（日本時間）」, "2 Dec 2026, 21:40 JST"). Pure apart from Intl.
 */
import { t, type Locale } from './index.js';

export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';

/** IANA names only (Area/Location or UTC): no offsets, no abbreviations, no path tricks. */
const IANA_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

const canonical = new Map<string, string | null>();
let listed: Map<string, string> | undefined;

/**
 * `name` as Tobira keeps it ('asia/tokyo' → 'Asia/Tokyo'), or null if Intl does not know it. Not
 * Intl's resolved name: ICU versions differ on it (Node 20 turns Asia/Kolkata into Asia/Calcutta).
 */
export function canonicalTimeZone(name: string): string | null {
  if (name.length > 64 || !IANA_SHAPE.test(name)) return null;
  let known = canonical.get(name);
  if (known === undefined) {
    try {
      const resolved = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
      listed ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
      known =
        listed.get(name.toLowerCase()) ?? (resolved.toLowerCase() === name.toLowerCase() ? resolved : name);
    } catch {
      known = null;
    }
    // Memoised: the policy (and so its zone) is parsed on every tenant read.
    if (canonical.size < 1000) canonical.set(name, known);
  }
  return known;
}

export interface DateTimeOptions {
  /** Show seconds (login history); minutes otherwise. */
  seconds?: boolean;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

function zoneName(date: Date, locale: string, timeZone: string, style: 'short' | 'long'): string {
  const f = formatter(`${locale}|${timeZone}|${style}`, () =>
    Intl.DateTimeFormat(locale, { timeZone, timeZoneName: style }),
  );
  return f.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/** The zone's label: 日本時間 / JST for Japan; else its Japanese name, or its English abbreviation. */
export function timeZoneLabel(date: Date, locale: Locale, timeZone: string): string {
  if (timeZone === DEFAULT_TIME_ZONE) return t(locale, 'time.zone_japan');
  if (locale === 'ja') return zoneName(date, 'ja-JP', timeZone, 'long');
  // en-US knows EST/PST…, en-GB knows CET/BST…; otherwise "GMT+5:30".
  const us = zoneName(date, 'en-US', timeZone, 'short');
  return us.startsWith('GMT') ? zoneName(date, 'en-GB', timeZone, 'short') : us;
}

/** Anything a template may hold as a time: a Date, an ISO string, epoch ms. '' when not a time. */
export function toDate(value: unknown): Date | null {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** One time, in `timeZone`, labelled; the language only chooses the words. */
export function formatDateTime(
  value: unknown,
  locale: Locale,
  timeZone: string = DEFAULT_TIME_ZONE,
  options: DateTimeOptions = {},
): string {
  const date = toDate(value);
  if (!date) return '';
  const zone = canonicalTimeZone(timeZone) ?? DEFAULT_TIME_ZONE;
  const seconds = options.seconds === true;
  const key = `${locale}|${zone}|${seconds ? 's' : 'm'}`;
  const f = formatter(key, () =>
    Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: locale === 'ja' ? 'long' : 'short',
      day: 'numeric',
      hour: locale === 'ja' ? 'numeric' : '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
    }),
  );
  const label = timeZoneLabel(date, locale, zone);
  return locale === 'ja' ? `${f.format(date)}（${label}）` : `${f.format(date)} ${label}`;
}
