/**
 * X.509 v2 CRL (RFC 5280 §5). node-forge has no CRL builder, so the TBSCertList is assembled with
 * forge.asn1 and its DER signed natively with the CA key (sha256WithRSAEncryption).
 */
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { signSha256 } from './keys.js';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const OID = {
  sha256WithRSA: '1.2.840.113549.1.1.11',
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
};

/** RFC 5280 CRLReason codes. */
export const REVOCATION_REASONS: Record<string, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
};

/** DER INTEGER content for a non-negative hex number (a leading 00 keeps it positive). */
function integerBytes(hex: string): string {
  let clean = hex.replace(/^0+(?=.)/, '');
  if (clean.length % 2) clean = `0${clean}`;
  if (parseInt(clean.slice(0, 2), 16) >= 0x80) clean = `00${clean}`;
  return forge.util.hexToBytes(clean);
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(date: Date): forge.asn1.Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

const extension = (oid: string, value: forge.asn1.Asn1) =>
  asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.OID, false, asn1.oidToDer(oid).getBytes()),
    asn1.create(U, T.OCTETSTRING, false, asn1.toDer(value).getBytes()),
  ]);

const algorithm = () =>
  asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.OID, false, asn1.oidToDer(OID.sha256WithRSA).getBytes()),
    asn1.create(U, T.NULL, false, ''),
  ]);

export interface CrlInput {
  revoked: { serial: string; revokedAt: Date; reason?: string | undefined }[];
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint | number;
}

export function buildCrl(
  ca: { certificate: forge.pki.Certificate; privateKey: KeyObject },
  input: CrlInput,
): { der: Buffer; pem: string } {
  const entries = input.revoked.map((r) => {
    const code = r.reason !== undefined ? REVOCATION_REASONS[r.reason] : undefined;
    return asn1.create(U, T.SEQUENCE, true, [
      asn1.create(U, T.INTEGER, false, integerBytes(r.serial)),
      time(r.revokedAt),
      ...(code !== undefined
        ? [
            asn1.create(U, T.SEQUENCE, true, [
              extension(OID.reasonCode, asn1.create(U, T.ENUMERATED, false, String.fromCharCode(code))),
            ]),
          ]
        : []),
    ]);
  });
  const aki = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(
      asn1.Class.CONTEXT_SPECIFIC,
      0,
      false,
      ca.certificate.generateSubjectKeyIdentifier().getBytes(),
    ),
  ]);
  const tbs = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.INTEGER, false, String.fromCharCode(1)), // v2
    algorithm(),
    forge.pki.distinguishedNameToAsn1(ca.certificate.subject),
    time(input.thisUpdate),
    time(input.nextUpdate),
    ...(entries.length ? [asn1.create(U, T.SEQUENCE, true, entries)] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      asn1.create(U, T.SEQUENCE, true, [
        extension(OID.authorityKeyIdentifier, aki),
        extension(
          OID.crlNumber,
          asn1.create(U, T.INTEGER, false, integerBytes(BigInt(input.crlNumber).toString(16))),
        ),
      ]),
    ]),
  ]);
  const signature = signSha256(ca.privateKey, Buffer.from(asn1.toDer(tbs).getBytes(), 'binary'));
  const crl = asn1.create(U, T.SEQUENCE, true, [
    tbs,
    algorithm(),
    asn1.create(U, T.BITSTRING, false, String.fromCharCode(0) + signature.toString('binary')),
  ]);
  const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
  const pem = `-----BEGIN X509 CRL-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
  return { der, pem };
}
