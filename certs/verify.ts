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

export function verifyClientCertificate(ca: X509Certificate, der: Buffer, now: Date): ClientCertificateCheck {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const ids = { serial: normalizeSerial(cert.serialNumber), fingerprintS256: fingerprintS256(cert.raw) };
  // Uses Node's own X.509 so certificates with any key type (EC from a foreign CA, say) are judged, not rejected as malformed.
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    return { ok: false, reason: 'not_issued_by_ca', ...ids };
  if (now < new Date(cert.validFrom)) return { ok: false, reason: 'not_yet_valid', ...ids };
  if (now > new Date(cert.validTo)) return { ok: false, reason: 'expired', ...ids };
  const eku = cert.keyUsage;
  if (!Array.isArray(eku) || !eku.includes(CLIENT_AUTH))
    return { ok: false, reason: 'not_client_auth', ...ids };
  const email = /(?:^|, )email:([^,]+)/.exec(cert.subjectAltName ?? '')?.[1] ?? null;
  return {
    ok: true,
    ...ids,
    subjectCn: field(cert.subject, 'CN') ?? '',
    email,
    notAfter: new Date(cert.validTo),
  };
}
