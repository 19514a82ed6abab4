/**
 * Mail rendering. Each template is a subject and a plain-text body per locale; the HTML part is made
 * from the text by one escaping layout (links made clickable), so the two never drift apart.
 * Dates: in the tenant's time zone (`timeZone` in the data; Asia/Tokyo when absent), labelled, in
 * either language (src/i18n/datetime.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import type { Tenant } from '../domain.js';
import { formatDateTime } from '../i18n/datetime.js';
import type { Locale } from '../i18n/index.js';

export const MAIL_TEMPLATES = [
  'certificate_download',
  'enrollment_invitation',
  'password_reissue',
  'certificate_reissue',
  'terminal_added',
  'certificate_expiry',
] as const;
export type MailTemplateName = (typeof MAIL_TEMPLATES)[number];

export class MailTemplateError extends Error {
  readonly code = 'mail_template_unknown';
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailBranding {
  serviceName: string;
  supportContact: string;
}

interface Segment {
  text: string;
  href?: string;
}

const URL_PATTERN = /https?:\/\/[^\s<>"'）)]+/g;

/** Text → paragraphs → lines → segments, with http(s) URLs as links. */
export function textToParagraphs(text: string): { lines: Segment[][] }[] {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((paragraph) => ({
      lines: paragraph.split('\n').map((line) => {
        const segments: Segment[] = [];
        let last = 0;
        for (const match of line.matchAll(URL_PATTERN)) {
          if (match.index > last) segments.push({ text: line.slice(last, match.index) });
          segments.push({ text: match[0], href: match[0] });
          last = match.index + match[0].length;
        }
        if (last < line.length || segments.length === 0) segments.push({ text: line.slice(last) });
        return segments;
      }),
    }));
}

/**
 * What every mail to a tenant's user takes from the tenant: its support desk (with the optional
 * phone, e-mail and hours of its brand), its time zone, and its service name when it has one.
 */
export function tenantMailData(tenant: Tenant): Record<string, string> {
  const { branding, timeZone } = tenant.policy;
  return {
    supportContact: tenant.supportContact,
    timeZone,
    ...(branding.displayName ? { serviceName: branding.displayName } : {}),
    ...(branding.support?.phone ? { supportPhone: branding.support.phone } : {}),
    ...(branding.support?.email ? { supportEmail: branding.support.email } : {}),
    ...(branding.support?.hours ? { supportHours: branding.support.hours } : {}),
  };
}

type Compiled = { subject: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate };

export class MailRenderer {
  readonly #templates: Map<string, Compiled>;
  readonly #footers: Map<Locale, Handlebars.TemplateDelegate>;
  readonly #layout: Handlebars.TemplateDelegate;
  readonly #branding: MailBranding;

  private constructor(
    templates: Map<string, Compiled>,
    footers: Map<Locale, Handlebars.TemplateDelegate>,
    layout: Handlebars.TemplateDelegate,
    branding: MailBranding,
  ) {
    this.#templates = templates;
    this.#footers = footers;
    this.#layout = layout;
    this.#branding = branding;
  }

  static async load(
    branding: MailBranding,
    dir = new URL('./templates/', import.meta.url),
  ): Promise<MailRenderer> {
    // Text parts are not HTML: no escaping there. The HTML layout escapes everything.
    const text = Handlebars.create();
    text.registerHelper('formatDate', (value: unknown, options: Handlebars.HelperOptions) => {
      const root = options.data?.root as { locale?: Locale; timeZone?: string } | undefined;
      return formatDateTime(value, root?.locale ?? 'ja', root?.timeZone);
    });
    const read = (path: string) => readFile(new URL(path, dir), 'utf8');
    const templates = new Map<string, Compiled>();
    const footers = new Map<Locale, Handlebars.TemplateDelegate>();
    for (const locale of ['ja', 'en'] as const) {
      const files = new Set(await readdir(new URL(`${locale}/`, dir)));
      for (const name of MAIL_TEMPLATES) {
        if (!files.has(`${name}.subject.hbs`) || !files.has(`${name}.text.hbs`))
          throw new MailTemplateError(`missing mail template ${locale}/${name}`);
        templates.set(`${locale}/${name}`, {
          subject: text.compile((await read(`${locale}/${name}.subject.hbs`)).trim(), {
            noEscape: true,
            strict: true,
          }),
          text: text.compile(await read(`${locale}/${name}.text.hbs`), { noEscape: true, strict: true }),
        });
      }
      footers.set(locale, text.compile(await read(`${locale}/footer.text.hbs`), { noEscape: true }));
    }
    const layout = Handlebars.create().compile(await read('layout.html.hbs'));
    return new MailRenderer(templates, footers, layout, branding);
  }

  /** `strict` templates throw on a missing field, so a mail never goes out with a hole in it. */
  render(name: MailTemplateName, locale: Locale, data: Record<string, unknown>): RenderedMail {
    const template = this.#templates.get(`${locale}/${name}`);
    if (!template) throw new MailTemplateError(`unknown mail template ${name}`);
    const context = { ...this.#branding, ...data, locale };
    const subject = template.subject(context).replace(/\s+/g, ' ');
    const text = `${template.text(context).trimEnd()}\n\n${this.#footers.get(locale)!(context).trimEnd()}\n`;
    const html = this.#layout({
      locale,
      subject,
      serviceName: String(context.serviceName),
      paragraphs: textToParagraphs(text),
    });
    return { subject, text, html };
  }
}
