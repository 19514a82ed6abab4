/**
 * A fetch-compatible function on node:https, for what global fetch cannot do without undici's Agent:
 * trust a private CA (the RP trusting Tobira's CA) and present a client certificate. Redirects are
 * never followed (callers that want them follow `Location` themselves).
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpsFetchOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  pfx?: Buffer;
  passphrase?: string;
  rejectUnauthorized?: boolean;
}

export type HttpsFetch = ((input: string | URL | Request, init?: RequestInit) => Promise<Response>) & {
  close(): void;
};

function headerEntries(headers: RequestInit['headers'] | undefined): [string, string][] {
  if (!headers) return [];
  if (headers instanceof Headers) return [...headers.entries()];
  if (Array.isArray(headers)) return headers.map(([k, v]) => [k!, v!]);
  return Object.entries(headers as Record<string, string>);
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}

export function createHttpsFetch(options: HttpsFetchOptions = {}): HttpsFetch {
  const agent = new https.Agent({ keepAlive: true, ...options });
  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init.method ?? (input instanceof Request ? input.method : 'GET');
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    for (const [k, v] of headerEntries(init.headers)) headers.set(k, v);
    const body = await bodyBytes(
      init.body ?? (input instanceof Request && input.body ? await input.arrayBuffer() : undefined),
    );
    if (body) headers.set('content-length', String(body.length));
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          headers: Object.fromEntries(headers.entries()),
          ...(url.protocol === 'https:' ? { agent } : {}),
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
              else if (value !== undefined) responseHeaders.set(name, value);
            }
            const status = res.statusCode ?? 0;
            const nullBody = status === 204 || status === 304 || method === 'HEAD';
            resolve(
              new Response(nullBody ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: responseHeaders,
              }),
            );
          });
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  };
  return Object.assign(fetchImpl, { close: () => agent.destroy() });
}
