/**
 * Who is on the other end of a request: the TLS client certificate and the source IP. Behind a
 * reverse proxy both come from headers, trusted only when the socket peer is a configured proxy.
 */
import type { IncomingMessage } from 'node:http';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export interface ProxyTrust {
  /** Socket addresses of trusted reverse proxies (exact match, IPv4-mapped IPv6 normalised). */
  trustedProxies: readonly string[];
  /** Header carrying the URL-encoded PEM client certificate (nginx `$ssl_client_escaped_cert`). */
  certHeader: string;
}

const normalizeIp = (ip: string | undefined): string => (ip ?? '').replace(/^::ffff:/, '');

export function isFromTrustedProxy(req: IncomingMessage, trust: ProxyTrust): boolean {
  // Asked several times on every request: nothing to look at without proxies.
  return (
    trust.trustedProxies.length !== 0 && trust.trustedProxies.includes(normalizeIp(req.socket.remoteAddress))
  );
}

/** The DER client certificate of this request, or null when none was presented. */
export function clientCertificateDer(req: IncomingMessage, trust: ProxyTrust): Buffer | null {
  if (isFromTrustedProxy(req, trust)) {
    const header = req.headers[trust.certHeader.toLowerCase()];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return null;
    try {
      return new X509Certificate(decodeURIComponent(value)).raw;
    } catch {
      return Buffer.from('malformed'); // let the certificate check report it as malformed
    }
  }
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate !== 'function') return null;
  // The leaf's DER only: a tenth of getPeerCertificate(), which converts every field to an object.
  return socket.getPeerX509Certificate()?.raw ?? null;
}

/** Source IP: the socket peer, or the right-most X-Forwarded-For hop a trusted proxy added. */
export function sourceIp(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = normalizeIp(req.socket.remoteAddress);
  if (!isFromTrustedProxy(req, trust)) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const value = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const hops = (value ?? '')
    .split(',')
    .map((s) => normalizeIp(s.trim()))
    .filter(Boolean);
  return hops.at(-1) ?? peer;
}

const FORWARDED_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
];

/**
 * Koa's `proxy` setting trusts X-Forwarded-* from anyone; drop them (and the certificate header) unless
 * the request comes from a configured proxy, so only real proxies can speak for the client.
 */
export function forwardingStripper(trust: ProxyTrust): (req: IncomingMessage) => void {
  const names = [...FORWARDED_HEADERS, trust.certHeader.toLowerCase()];
  return (req) => {
    if (isFromTrustedProxy(req, trust)) return;
    // Deleted only when present: a delete turns the headers object into a slow dictionary.
    const headers = req.headers;
    for (const name of names) if (headers[name] !== undefined) delete headers[name];
  };
}

/** `forwardingStripper` as Koa middleware (request-front.ts runs it inside its one step instead). */
export function stripUntrustedForwarding(trust: ProxyTrust) {
  const strip = forwardingStripper(trust);
  return (ctx: { req: IncomingMessage }, next: () => Promise<unknown>) => {
    strip(ctx.req);
    // No async step of its own: each one costs every request its promises (and their async hooks).
    return next();
  };
}
