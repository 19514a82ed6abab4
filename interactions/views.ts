/**
 * Handlebars pages: one layout, partials, and a page per screen. Texts come from the message catalogs
 * through the `t` helper; every value is HTML-escaped by `{{ }}`.
 */
import { readdir, readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import { formatDateTime } from '../src/i18n/datetime.js';
import { t, type Locale, type Params } from '../src/i18n/index.js';

export class UnknownViewError extends Error {
  readonly code = 'unknown_view';
}

export interface PageData {
  locale: Locale;
  /** Catalog key of the page title. */
  title: string;
  /** The current path without query, for the language switch links. */
  path: string;
  [key: string]: unknown;
}

export class Views {
  readonly #pages = new Map<string, Handlebars.TemplateDelegate>();
  readonly #layout: Handlebars.TemplateDelegate;

  private constructor(hbs: typeof Handlebars, layout: string, pages: Map<string, string>) {
    this.#layout = hbs.compile(layout, { strict: false });
    for (const [name, source] of pages) this.#pages.set(name, hbs.compile(source));
  }

  static async load(dir = new URL('./views/', import.meta.url)): Promise<Views> {
    const hbs = Handlebars.create();
    hbs.registerHelper('t', function (this: unknown, key: string, options: Handlebars.HelperOptions) {
      const root = options.data?.root as { locale?: Locale } | undefined;
      return t(root?.locale ?? 'ja', key, options.hash as Params);
    });
    hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    // In the page's tenant zone (render() puts it in the root), labelled; to the second, as the
    // manual's ログイン履歴 shows it (`seconds=false` for minutes).
    hbs.registerHelper('formatDate', (value: unknown, options: Handlebars.HelperOptions) => {
      const root = options.data?.root as { locale?: Locale; timeZone?: string } | undefined;
      return formatDateTime(value, root?.locale ?? 'ja', root?.timeZone, {
        seconds: options.hash?.seconds !== false,
      });
    });
    const partialsDir = new URL('partials/', dir);
    for (const file of await readdir(partialsDir)) {
      if (file.endsWith('.hbs'))
        hbs.registerPartial(file.slice(0, -4), await readFile(new URL(file, partialsDir), 'utf8'));
    }
    const pagesDir = new URL('pages/', dir);
    const pages = new Map<string, string>();
    for (const file of await readdir(pagesDir)) {
      if (file.endsWith('.hbs'))
        pages.set(file.slice(0, -4), await readFile(new URL(file, pagesDir), 'utf8'));
    }
    return new Views(hbs, await readFile(new URL('layout.hbs', dir), 'utf8'), pages);
  }

  render(page: string, data: PageData): string {
    const template = this.#pages.get(page);
    if (!template) throw new UnknownViewError(`no view named ${page}`);
    const body = template(data);
    return this.#layout({ ...data, body, otherLocale: data.locale === 'ja' ? 'en' : 'ja' });
  }
}
