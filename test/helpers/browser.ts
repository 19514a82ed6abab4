/**
 * A scripted browser for integration tests: real HTTPS with (optionally) a real client certificate
 * from a PKCS#12, a cookie jar, and manual redirects so a test sees every hop.
 */
import https from 'node:https';

export interface BrowserResponse {
  status: number;
  url: string;
  location: string | null;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Buffer;
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly #agent: https.Agent;

  constructor(options: { ca: string; pfx?: Buffer; passphrase?: string; acceptLanguage?: string }) {
    this.#agent = new https.Agent({
      ca: options.ca,
      ...(options.pfx ? { pfx: options.pfx, passphrase: options.passphrase } : {}),
      keepAlive: false,
    });
    this.acceptLanguage = options.acceptLanguage ?? 'ja';
  }

  acceptLanguage: string;

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    const target = new URL(url);
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = {
      'accept-language': this.acceptLanguage,
      accept: 'text/html',
      'user-agent': 'TobiraTestBrowser/1.0',
      ...init.headers,
    };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      // As browsers do on every form POST; a test that forges provenance sets its own.
      headers.origin ??= target.origin;
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        target,
        { method: init.method ?? (body ? 'POST' : 'GET'), agent: this.#agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            for (const line of res.headers['set-cookie'] ?? []) {
              const [pair = ''] = line.split(';');
              const eq = pair.indexOf('=');
              const name = pair.slice(0, eq).trim();
              const value = pair.slice(eq + 1).trim();
              if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
              else this.cookies.set(name, value);
            }
            const buffer = Buffer.concat(chunks);
            const location = res.headers.location ? new URL(res.headers.location, target).href : null;
            resolve({
              status: res.statusCode ?? 0,
              url: target.href,
              location,
              headers: res.headers,
              text: buffer.toString('utf8'),
              body: buffer,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Follow redirects until one points outside `origin` (e.g. to the RP's callback) or a page is returned. */
  async follow(
    url: string,
    origin: string,
    init: Parameters<TestBrowser['request']>[1] = {},
  ): Promise<BrowserResponse> {
    let response = await this.request(url, init);
    for (let hops = 0; response.location && response.location.startsWith(origin) && hops < 10; hops += 1) {
      response = await this.request(response.location);
    }
    return response;
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The hidden CSRF token and form action of a Tobira page. */
export function formOf(html: string): { action: string; csrf: string } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { action: action.replace(/&amp;/g, '&'), csrf };
}

/** Text of an HTML fragment as a person reads it (the entities handlebars writes, decoded). */
export function htmlText(html: string): string {
  return html.replace(
    /&(amp|lt|gt|quot|#x27|#x3D|#x60|#39);/g,
    (_, e: string) =>
      ({ amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#x3D': '=', '#x60': '`', '#39': "'" })[e]!,
  );
}
