/**
 * A fetch-compatible function on node:https / node:http, for what the global fetch cannot do without
 * undici's Agent (not installed here): trust a private CA — a relying party trusting Tobira's CA, as
 * openid-client's `customFetch` — and present a TLS client certificate, like a browser in tests.
 *
 * Differences from the global fetch, on purpose: redirects are never followed (every `redirect` mode
 * but 'error' behaves like undici's 'manual': the 3xx Response is returned with its Location header),
 * and response bodies are read whole before the Response resolves.
 */
import http from 'node:http';
import https from 'node:https';
import { unzipSync, brotliDecompressSync } from 'node:zlib';

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

/** `fetch`, plus `close()` to drop the keep-alive connections of this instance's agents. */
export type HttpsFetch = typeof fetch & { close(): void };

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every instance not yet closed, so a test suite or a shutdown can close them all. */
const openInstances = new Set<HttpsFetch>();

interface OutgoingRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
  redirect: RequestInit['redirect'];
}

/** Normalizes fetch's (input, init) into one request, the way `new Request(input, init)` does. */
async function outgoingRequest(input: string | URL | Request, init: RequestInit): Promise<OutgoingRequest> {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : input);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError(`unsupported protocol ${url.protocol}`);
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers ?? request?.headers);
  let body: Buffer | undefined;
  const source = init.body ?? (request?.body ? await request.arrayBuffer() : undefined);
  if (source !== undefined && source !== null) {
    if (method === 'GET' || method === 'HEAD') throw new TypeError(`a ${method} request cannot have a body`);
    // Response does the BodyInit conversions (string, URLSearchParams, bytes, Blob, FormData, stream)
    // and supplies the default content type, as fetch would.
    const encoded = new Response(source);
    body = Buffer.from(await encoded.arrayBuffer());
    const contentType = encoded.headers.get('content-type');
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
  }
  if (body) headers.set('content-length', String(body.length));
  else if (method === 'POST' || method === 'PUT') headers.set('content-length', '0');
  if (!headers.has('accept')) headers.set('accept', '*/*');
  return {
    url,
    method,
    headers: Object.fromEntries(headers),
    body,
    signal: init.signal ?? request?.signal ?? undefined,
    redirect: init.redirect ?? request?.redirect ?? 'manual',
  };
}

/** The body as fetch would expose it: content-encoding removed (only when the caller asked for one). */
function decodedBody(raw: Buffer, contentEncoding: string | undefined): Buffer {
  switch (contentEncoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
      return unzipSync(raw);
    case 'br':
      return brotliDecompressSync(raw);
    default:
      return raw;
  }
}

function toResponse(res: http.IncomingMessage, raw: Buffer, request: OutgoingRequest): Response {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) throw new TypeError(`unsupported response status ${status}`);
  if (request.redirect === 'error' && REDIRECT_STATUSES.has(status))
    throw new TypeError(`redirect to ${res.headers.location ?? '(no location)'} with redirect: 'error'`);
  const headers = new Headers();
  // rawHeaders keeps every Set-Cookie (and any other repeated header) as its own entry.
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const hasBody = !NULL_BODY_STATUSES.has(status) && request.method !== 'HEAD';
  const response = new Response(hasBody ? decodedBody(raw, res.headers['content-encoding']) : null, {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
  // A constructed Response has an empty url; callers (and openid-client's errors) expect the real one.
  Object.defineProperty(response, 'url', { value: request.url.href });
  return response;
}

function send(request: OutgoingRequest, agent: http.Agent, retryOnStaleSocket: boolean): Promise<Response> {
  const transport = request.url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const req = transport.request(
      request.url,
      { method: request.method, headers: request.headers, agent, signal: request.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve(toResponse(res, Buffer.concat(chunks), request));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed meanwhile: Node's documented remedy is one retry.
      if (retryOnStaleSocket && req.reusedSocket && error.code === 'ECONNRESET')
        resolve(send(request, agent, false));
      else reject(error);
    });
    req.end(request.body);
  });
}

/**
 * A `fetch` with its own keep-alive agents configured by `options`. Keep one per trust/identity and
 * reuse it; `close()` it (or `closeAllHttpsFetches()`) when done.
 */
export function createHttpsFetch(options: HttpsFetchOptions = {}): HttpsFetch {
  const httpsAgent = new https.Agent({ keepAlive: true, ...options });
  const httpAgent = new http.Agent({ keepAlive: true });
  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = await outgoingRequest(input, init);
    request.signal?.throwIfAborted();
    const agent = request.url.protocol === 'https:' ? httpsAgent : httpAgent;
    return send(request, agent, IDEMPOTENT_METHODS.has(request.method));
  };
  const instance: HttpsFetch = Object.assign(fetchImpl, {
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
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
