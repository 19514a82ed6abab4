/**
 * A `fetch` that trusts a private CA (a relying party trusting Tobira's CA, as openid-client's
 * `customFetch`) and presents a TLS client certificate (a browser in tests): undici's `fetch` over
 * an undici `Agent` whose TLS connect options carry the CA and the client identity.
 *
 * One difference from fetch, on purpose: redirects are never followed (every `redirect` mode but
 * 'error' is 'manual', the 3xx Response comes back with its Location header), so a caller sees each
 * hop — the login is a chain of redirects whose cookies and pages the tests look at.
 */
import { Agent, fetch as undiciFetch, type RequestInfo, type RequestInit as UndiciRequestInit } from 'undici';

export interface HttpsFetchOptions {
  /** Trust anchors (PEM) for the server certificate, e.g. Tobira's CA. */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) to present when the server asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Or the client certificate and key as PKCS#12, with its `passphrase`. */
  pfx?: Buffer;
  passphrase?: string;
  /** Defaults to true; false accepts any server certificate (local health checks only). */
  rejectUnauthorized?: boolean;
}

/** `fetch`, plus `close()` to drop the keep-alive connections of this instance's agent. */
export type HttpsFetch = typeof fetch & { close(): void };

/** Every instance not yet closed, so a test suite or a shutdown can close them all. */
const openInstances = new Set<HttpsFetch>();

/**
 * undici's fetch knows only its own Request class; a Request built with the global one (another
 * undici copy inside Node) is passed on as its parts, the way `new Request(input, init)` reads them.
 */
async function requestParts(
  input: string | URL | Request,
  init: RequestInit,
): Promise<[string, RequestInit]> {
  if (!(input instanceof Request)) return [String(input), init];
  const body = init.body ?? (input.body ? await input.arrayBuffer() : undefined);
  return [
    input.url,
    {
      method: input.method,
      headers: input.headers,
      signal: input.signal,
      redirect: input.redirect,
      ...init,
      body,
    },
  ];
}

/**
 * A `fetch` with its own keep-alive agent configured by `options`. Keep one per trust/identity and
 * reuse it; `close()` it (or `closeAllHttpsFetches()`) when done.
 */
export function createHttpsFetch(options: HttpsFetchOptions = {}): HttpsFetch {
  const dispatcher = new Agent({ connect: { ...options } });
  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const [url, parts] = await requestParts(input, init);
    const redirect = parts.redirect === 'error' ? 'error' : 'manual';
    const response = await undiciFetch(
      url as RequestInfo,
      { ...parts, redirect, dispatcher } as UndiciRequestInit,
    );
    // undici's Response has the global Response's shape; openid-client accepts it (loose instanceof).
    return response as unknown as Response;
  };
  const instance: HttpsFetch = Object.assign(fetchImpl, {
    close() {
      void dispatcher.destroy();
      openInstances.delete(instance);
    },
  });
  openInstances.add(instance);
  return instance;
}

/** Closes every instance created by `createHttpsFetch` that is still open. */
export function closeAllHttpsFetches(): void {
  for (const instance of [...openInstances]) instance.close();
}
