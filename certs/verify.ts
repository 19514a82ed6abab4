/** Checks a presented client certificate against our CA (revocation is the store's business). */
import { createHash, X509Certificate } from 'node:crypto';

export type ClientCertificateCheck =
  | {
      ok: true;
      serial: string;
      fingerprintS256: string;
      subjectCn: string;
      email: string | null;
      notAfter: Date;
    }
  | {
      ok: false;
      reason: 'malformed' | 'not_issued_by_ca' | 'expired' | 'not_yet_valid' | 'not_client_auth';
      serial?: string;
      fingerprintS256?: string;
    };

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export const fingerprintS256 = (der: Buffer): string => createHash('sha256').update(der).digest('hex');

/** Lower-case hex serial without separators or leading zero bytes beyond what DER keeps. */
export const normalizeSerial = (serial: string): string => serial.replace(/[^0-9a-f]/gi, '').toLowerCase();

function field(dn: string, name: string): string | null {
  for (const line of dn.split('\n')) if (line.startsWith(`${name}=`)) return line.slice(name.length + 1);
  return null;
}

/** What the presented bytes say whatever the time: the parse and the signature check. */
type Inspection =
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'not_issued_by_ca'; ids: CertificateIds }
  | {
      ok: true;
      ids: CertificateIds;
      validFrom: Date;
      validTo: Date;
      clientAuth: boolean;
      subjectCn: string;
      email: string | null;
    };
type CertificateIds = { serial: string; fingerprintS256: string };

function inspect(ca: X509Certificate, der: Buffer): Inspection {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const ids = { serial: normalizeSerial(cert.serialNumber), fingerprintS256: fingerprintS256(cert.raw) };
  // Uses Node's own X.509 so certificates with any key type (EC from a foreign CA, say) are judged, not rejected as malformed.
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    return { ok: false, reason: 'not_issued_by_ca', ids };
  const eku = cert.keyUsage;
  return {
    ok: true,
    ids,
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    clientAuth: Array.isArray(eku) && eku.includes(CLIENT_AUTH),
    subjectCn: field(cert.subject, 'CN') ?? '',
    email: /(?:^|, )email:([^,]+)/.exec(cert.subjectAltName ?? '')?.[1] ?? null,
  };
}

/**
 * Inspections remembered per CA and presented bytes: a login presents the same certificate in each of
 * its requests, and the parse plus the signature check (~0.5 ms) depend on nothing but the bytes and the
 * CA. The validity window is still judged against `now` on every call; revocation stays the store's.
 * Bounded: past the limit the memo starts over (a flood of distinct certificates costs what it did).
 */
const inspections = new WeakMap<X509Certificate, Map<string, Inspection>>();
const MAX_INSPECTIONS = 2048;

function inspectOnce(ca: X509Certificate, der: Buffer): Inspection {
  let seen = inspections.get(ca);
  if (!seen) inspections.set(ca, (seen = new Map()));
  const key = fingerprintS256(der);
  let found = seen.get(key);
  if (!found) {
    found = inspect(ca, der);
    if (seen.size >= MAX_INSPECTIONS) seen.clear();
    seen.set(key, found);
  }
  return found;
}

export function verifyClientCertificate(ca: X509Certificate, der: Buffer, now: Date): ClientCertificateCheck {
  const found = inspectOnce(ca, der);
  if (!found.ok)
    return found.reason === 'malformed'
      ? { ok: false, reason: 'malformed' }
      : { ok: false, reason: found.reason, ...found.ids };
  const { ids } = found;
  if (now < found.validFrom) return { ok: false, reason: 'not_yet_valid', ...ids };
  if (now > found.validTo) return { ok: false, reason: 'expired', ...ids };
  if (!found.clientAuth) return { ok: false, reason: 'not_client_auth', ...ids };
  return {
    ok: true,
    ...ids,
    subjectCn: found.subjectCn,
    email: found.email,
    notAfter: new Date(found.validTo),
  };
}
