/**
 * A tenant's brand on its users' pages and mail: display name, logo, colours, structured support
 * contact, links to its terms and privacy policy. Pure: the zod schema (each refusal with a stable
 * code), colour contrast (WCAG 2.x), and the per-tenant stylesheet's text.
 */
import { z } from 'zod';

/** Refusal codes an admin sees in `details[].code` (stable; the message says the particulars). */
export const BRANDING_CODES = {
  badColour: 'branding.bad_colour',
  lowContrast: 'branding.low_contrast',
  notHttps: 'branding.not_https',
  logoType: 'branding.logo_type',
  logoTooLarge: 'branding.logo_too_large',
} as const;

/** The logo travels in the tenant's policy JSON, read with every login: kept small on purpose. */
export const LOGO_MAX_BYTES = 32 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

/** WCAG AA for normal text. */
export const MIN_TEXT_CONTRAST = 4.5;

/**
 * The primary colour is also text: links and outlined buttons on the page background
 * (interactions/public/tobira.css: --link and --primary on --bg #eef1f5, the darker of page and card).
 */
export const PAGE_BACKGROUND = '#eef1f5';

const HEX = /^#[0-9a-fA-F]{6}$/;

const issue = (code: string) => ({ params: { code } });

/** Relative luminance of `#rrggbb` (WCAG 2.x definition). */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

// Black, not a softer near-black: for mid greys (#777) only pure black and white reach 4.5:1.
const ON_LIGHT = '#000000';
const ON_DARK = '#ffffff';

/** The readable text colour on `primary`: white or black, whichever contrasts more (always ≥ 4.5). */
export function onColour(primary: string): string {
  return contrastRatio(primary, ON_DARK) >= contrastRatio(primary, ON_LIGHT) ? ON_DARK : ON_LIGHT;
}

const colour = z
  .string()
  .refine((c) => HEX.test(c), {
    message: 'a colour is #rrggbb (six hex digits)',
    ...issue(BRANDING_CODES.badColour),
  })
  .transform((c) => c.toLowerCase());

const httpsUrl = z
  .string()
  .max(2000)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    },
    { message: 'must be an https:// URL', ...issue(BRANDING_CODES.notHttps) },
  );

/** First bytes of each allowed type (WebP: RIFF….WEBP), checked against the declared content type. */
function magicMatches(type: LogoType, head: Buffer): boolean {
  if (type === 'image/png') return head.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'));
  if (type === 'image/jpeg') return head.subarray(0, 3).equals(Buffer.from('ffd8ff', 'hex'));
  return (
    head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP'
  );
}

const decodedLength = (b64: string) =>
  (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

/** Base64 of at most LOGO_MAX_BYTES, as characters (the schema's cheap bound). */
const LOGO_MAX_CHARS = Math.ceil(LOGO_MAX_BYTES / 3) * 4;

/**
 * The schema's checks are O(1) on purpose — type, size by length arithmetic, magic of the first bytes —
 * because the policy is parsed on every tenant read; the full check of every character is
 * `logoWriteIssues`, made once when a policy is written (src/operations/tenant-policy.ts).
 */
const logo = z
  .object({
    contentType: z.custom<LogoType>((v) => (LOGO_TYPES as readonly unknown[]).includes(v), {
      message: `a logo is ${LOGO_TYPES.join(', ')}`,
      ...issue(BRANDING_CODES.logoType),
    }),
    /** The image, base64. */
    data: z.string().min(16),
  })
  .superRefine((value, ctx) => {
    if (value.data.length % 4 !== 0)
      return void ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: 'the logo is not base64',
        ...issue(BRANDING_CODES.logoType),
      });
    if (value.data.length > LOGO_MAX_CHARS || decodedLength(value.data) > LOGO_MAX_BYTES)
      return void ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `the logo is larger than ${LOGO_MAX_BYTES} bytes`,
        ...issue(BRANDING_CODES.logoTooLarge),
      });
    if (!magicMatches(value.contentType, Buffer.from(value.data.slice(0, 16), 'base64')))
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `the logo's bytes are not ${value.contentType}`,
        ...issue(BRANDING_CODES.logoType),
      });
  });

/** A refusal found when a policy is written, in the shape of the schema's issues. */
export interface WriteIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

/** The write-time check the schema leaves out: every character of the logo is canonical base64. */
export function logoWriteIssues(b: Branding): WriteIssue[] {
  if (!b.logo || Buffer.from(b.logo.data, 'base64').toString('base64') === b.logo.data) return [];
  return [
    { path: ['branding', 'logo', 'data'], message: 'the logo is not base64', code: BRANDING_CODES.logoType },
  ];
}

const text = (max: number) => z.string().trim().min(1).max(max);

export const brandingSchema = z
  .object({
    /** The service's name as the tenant's users know it (header, page titles' site, mail). */
    displayName: text(100).optional(),
    /** Header band and buttons (text on it: onPrimaryColor), links and outlines on the page (4.5:1 there). */
    primaryColor: colour.optional(),
    /** Checked for 4.5:1 against primaryColor; computed (white or black) when absent. */
    onPrimaryColor: colour.optional(),
    accentColor: colour.optional(),
    /** null removes the logo (a PATCH merges the branding section key by key). */
    logo: logo.nullable().optional(),
    /** Beside the tenant's supportContact line: phone, e-mail and desk hours, each optional. */
    support: z
      .object({
        phone: text(40).optional(),
        email: z.email().max(200).optional(),
        hours: text(100).optional(),
      })
      .optional(),
    termsUrl: httpsUrl.optional(),
    privacyUrl: httpsUrl.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.primaryColor && contrastRatio(b.primaryColor, PAGE_BACKGROUND) < MIN_TEXT_CONTRAST)
      ctx.addIssue({
        code: 'custom',
        path: ['primaryColor'],
        message: `${b.primaryColor} is also the colour of links on the page background ${PAGE_BACKGROUND}: contrast ${contrastRatio(b.primaryColor, PAGE_BACKGROUND).toFixed(2)}:1, at least ${MIN_TEXT_CONTRAST}:1 is needed (a darker shade)`,
        ...issue(BRANDING_CODES.lowContrast),
      });
    if (!b.onPrimaryColor) return;
    const primary = b.primaryColor;
    if (!primary)
      return void ctx.addIssue({
        code: 'custom',
        path: ['onPrimaryColor'],
        message: 'onPrimaryColor is the text colour on primaryColor: set primaryColor too',
        ...issue(BRANDING_CODES.badColour),
      });
    const ratio = contrastRatio(primary, b.onPrimaryColor);
    if (ratio < MIN_TEXT_CONTRAST)
      ctx.addIssue({
        code: 'custom',
        path: ['onPrimaryColor'],
        message: `text ${b.onPrimaryColor} on ${primary} has contrast ${ratio.toFixed(2)}:1; at least ${MIN_TEXT_CONTRAST}:1 is needed (leave it out to have it computed)`,
        ...issue(BRANDING_CODES.lowContrast),
      });
  });

export type Branding = z.infer<typeof brandingSchema>;

/** The stable code a refinement of the tenant policy put on its zod issue, if any. */
export const issueCodeOf = (issue: z.core.$ZodIssue): string | undefined =>
  (issue as { params?: { code?: unknown } }).params?.code as string | undefined;

export const hasColours = (b: Branding): boolean => Boolean(b.primaryColor || b.accentColor);

/** The per-tenant stylesheet: only the custom properties the tenant set (Tobira's CSS has the defaults). */
export function brandStylesheet(b: Branding): string {
  const lines: string[] = [];
  if (b.primaryColor) {
    lines.push(`  --brand-primary: ${b.primaryColor};`);
    lines.push(`  --brand-on-primary: ${b.onPrimaryColor ?? onColour(b.primaryColor)};`);
  }
  if (b.accentColor) lines.push(`  --brand-accent: ${b.accentColor};`);
  return `:root {\n${lines.join('\n')}\n}\n`;
}
