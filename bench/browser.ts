/**
 * One simulated browser: a single keep-alive HTTPS connection (an undici Client) presenting the
 * user's client certificate, whose PKCS#12 is parsed once here (a TLS secure context) rather than per
 * connection or per login; a cookie jar; redirects followed by hand within Tobira's origin.
 */
import tls from 'node:tls';
import { Client } from 'undici';

export interface Page {
  status: number;
  location: string | null;
  text: string;
}

export class BenchBrowser {
  readonly #client: Client;
  readonly #cookies = new Map<string, string>();

  constructor(
    readonly origin: string,
    identity: { ca: string; pfx?: Buffer; passphrase?: string },
  ) {
    const secureContext = tls.createSecureContext(identity);
    this.#client = new Client(origin, {
      connect: { secureContext },
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /** A new browser session (the session cookie is transient) on the same connection. */
  clearCookies(): void {
    this.#cookies.clear();
  }

  async request(url: string, form?: Record<string, string>): Promise<Page> {
    const target = new URL(url, this.origin);
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string> = {
      'accept-language': 'ja',
      accept: 'text/html',
      'user-agent': 'TobiraBench/1.0',
    };
    if (this.#cookies.size) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers.origin = this.origin;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.#client.request({
      path: target.pathname + target.search,
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const setCookie = res.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    const location = res.headers.location;
    return {
      status: res.statusCode,
      location: typeof location === 'string' ? new URL(location, target).href : null,
      text: await res.body.text(),
    };
  }

  /** Follow redirects until one leaves this origin (e.g. to the RP's callback) or a page comes back. */
  async follow(url: string, form?: Record<string, string>): Promise<Page> {
    let page = await this.request(url, form);
    for (let hops = 0; page.location?.startsWith(this.origin) && hops < 10; hops += 1)
      page = await this.request(page.location);
    return page;
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
