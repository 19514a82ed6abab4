/**
 * RFC 8705 §2.1.2: does a relying party's certificate carry the subject it was registered with? One
 * property per client: the subject DN (RFC 4514 string, e.g. `CN=rp.example,O=Example`) or one
 * subjectAltName entry (DNS name, URI, IP address, e-mail address). Pure over node:crypto's view.
 */
import type { X509Certificate } from 'node:crypto';
import type { TlsSubjectProperty } from './client-auth.js';

/** RDNs of an RFC 4514 string (most specific first), split on unescaped commas, types upper-cased. */
function rdns4514(dn: string): string[] {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.trim())
    .filter(Boolean)
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq).trim().toUpperCase()}=${rdn.slice(eq + 1).trim()}`;
    });
}

/** node:crypto lists the subject one RDN a line in certificate order (least specific first). */
const certificateRdns = (subject: string): string[] =>
  subject
    .split('\n')
    .filter(Boolean)
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq).toUpperCase()}=${rdn.slice(eq + 1)}`;
    })
    .reverse();

/** subjectAltName entries as [kind, value] (`DNS:a, URI:b, IP Address:c, email:d`). */
const altNames = (san: string | undefined): [string, string][] =>
  (san ?? '')
    .split(/,\s*/)
    .map((entry) => {
      const colon = entry.indexOf(':');
      return [entry.slice(0, colon), entry.slice(colon + 1).replace(/^"|"$/g, '')] as [string, string];
    })
    .filter(([kind]) => kind !== '');

/** One spelling per address: the URL parser compresses IPv6 and keeps IPv4 dotted. */
function normalIp(ip: string): string | null {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  try {
    return new URL(`https://${host}/`).hostname;
  } catch {
    return null;
  }
}

export function certificateSubjectMatches(
  certificate: X509Certificate,
  property: TlsSubjectProperty,
  expected: string,
): boolean {
  const sans = altNames(certificate.subjectAltName);
  const hasSan = (kind: string, same: (value: string) => boolean) =>
    sans.some(([k, value]) => k === kind && same(value));
  switch (property) {
    case 'tls_client_auth_subject_dn': {
      const want = rdns4514(expected);
      const got = certificateRdns(certificate.subject);
      return want.length === got.length && want.every((rdn, i) => rdn === got[i]);
    }
    case 'tls_client_auth_san_dns':
      return hasSan('DNS', (v) => v.toLowerCase() === expected.toLowerCase());
    case 'tls_client_auth_san_uri':
      return hasSan('URI', (v) => v === expected);
    case 'tls_client_auth_san_ip': {
      const want = normalIp(expected);
      return want !== null && hasSan('IP Address', (v) => normalIp(v) === want);
    }
    case 'tls_client_auth_san_email':
      return hasSan('email', (v) => v.toLowerCase() === expected.toLowerCase());
    default:
      return false;
  }
}
