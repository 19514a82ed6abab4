/**
 * RFC 8705 for relying parties: oidc-provider's `features.mTLS`, fed with the certificate of the
 * request exactly as Tobira reads users' certificates (the socket, or a trusted proxy's header).
 *
 * `tls_client_auth` trusts only the operator's PEM bundle (`mtlsClientCaFile`), never Tobira's own CA:
 * that CA issues user certificates, and a user's certificate must never authenticate a relying party.
 * These checks concern relying parties only; the user-certificate binding rule is not consulted here.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { ConfigError } from '../config.js';
import { certificateSubjectMatches } from '../policy/certificate-subject.js';
import type { TlsSubjectProperty } from '../policy/client-auth.js';
import { clientCertificateDer, type ProxyTrust } from './client-context.js';

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';

/** Every certificate of a PEM bundle. */
export function parsePemBundle(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]),
  );
}

/**
 * The CAs trusted for `tls_client_auth` (empty: the method is not offered). Fails start-up, naming the
 * key, on an unreadable file, a bundle without certificates, a certificate that is not a CA, or
 * Tobira's own CA.
 */
export function loadRpTrustBundle(file: string | undefined, tobiraCaPem: string): X509Certificate[] {
  if (!file) return [];
  const fail = (why: string) =>
    new ConfigError(`invalid configuration TOBIRA_MTLS_CLIENT_CA_FILE (mtlsClientCaFile) = ${file}: ${why}`);
  let cas: X509Certificate[];
  try {
    cas = parsePemBundle(readFileSync(file, 'utf8'));
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (!cas.length) throw fail('no PEM certificate in the file');
  const own = new X509Certificate(tobiraCaPem).fingerprint256;
  for (const ca of cas) {
    if (!ca.ca) throw fail(`${ca.subject.replace(/\n/g, ', ')} is not a CA certificate`);
    if (ca.fingerprint256 === own)
      throw fail("Tobira's own CA issues user certificates, not relying parties'");
  }
  return cas;
}

/** Issued (and signed) by one of `cas`, in validity, and not limited to other purposes than clientAuth. */
export function issuedByTrustedCa(
  certificate: X509Certificate,
  cas: readonly X509Certificate[],
  now: Date,
): boolean {
  const inValidity = (c: X509Certificate) => now >= new Date(c.validFrom) && now <= new Date(c.validTo);
  if (!inValidity(certificate)) return false;
  const eku = certificate.keyUsage; // node:crypto names the extended key usage OIDs `keyUsage`
  if (eku && eku.length && !eku.includes(CLIENT_AUTH_EKU)) return false;
  return cas.some((ca) => inValidity(ca) && certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
}

export interface MtlsDeps {
  trust: ProxyTrust;
  /** CAs for tls_client_auth (empty: only self_signed_tls_client_auth is offered). */
  rpCas: readonly X509Certificate[];
  now: () => Date;
}

/** oidc-provider's `features.mTLS`, with certificate-bound access tokens. */
export function mtlsFeature(deps: MtlsDeps): NonNullable<NonNullable<Configuration['features']>['mTLS']> {
  const parsed = new WeakMap<object, X509Certificate | undefined>();
  const certificateOf = (ctx: KoaContextWithOIDC): X509Certificate | undefined => {
    if (parsed.has(ctx)) return parsed.get(ctx);
    const der = clientCertificateDer(ctx.req as IncomingMessage, deps.trust);
    let certificate: X509Certificate | undefined;
    try {
      certificate = der ? new X509Certificate(der) : undefined;
    } catch {
      certificate = undefined; // a malformed certificate is no certificate
    }
    parsed.set(ctx, certificate);
    return certificate;
  };
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: deps.rpCas.length > 0,
    selfSignedTlsClientAuth: true,
    getCertificate: (ctx) => certificateOf(ctx),
    certificateAuthorized: (ctx) => {
      const certificate = certificateOf(ctx);
      return !!certificate && issuedByTrustedCa(certificate, deps.rpCas, deps.now());
    },
    certificateSubjectMatches: (ctx, property, expected) => {
      const certificate = certificateOf(ctx);
      return (
        !!certificate && certificateSubjectMatches(certificate, property as TlsSubjectProperty, expected)
      );
    },
  };
}
