/**
 * A client certificate's TBSCertificate written with der.ts: the bytes forge's `buildCertificate`
 * writes for the same template (issue.ts, clientExtensions; checked byte for byte in
 * test/certs/client-cert.test.ts), without forge's binary strings, its public-key parse and
 * re-encoding, or its PEM writer: ~0.4 ms of event loop and garbage per issuance. The CA and TLS server
 * certificates, made once, are still built by forge.
 */
import { createHash, createPublicKey } from 'node:crypto';
import {
  bitString,
  derToPem,
  explicit,
  implicitPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  set,
  time,
  tlv,
} from './der.js';
import { isPrintableAscii } from '../src/policy/mailbox.js';

const DAY = 86_400_000;
/** As issue.ts: notBefore a little back, for clients whose clock is slightly behind. */
const CLOCK_SKEW_MS = 5 * 60_000;

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), nullValue());
const CN = oid('2.5.4.3');
const O = oid('2.5.4.10');
const extension = (id: string, value: Buffer, critical = false) =>
  sequence(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octetString(value));
/** basicConstraints (cA false), keyUsage (digitalSignature, keyEncipherment; critical), clientAuth. */
const FIXED_EXTENSIONS = Buffer.concat([
  extension('2.5.29.19', sequence()),
  extension('2.5.29.15', Buffer.from([0x03, 0x02, 0x05, 0xa0]), true),
  extension('2.5.29.37', sequence(oid('1.3.6.1.5.5.7.3.2'))),
]);
const SUBJECT_ALT_NAME = '2.5.29.17';
const SUBJECT_KEY_ID = '2.5.29.14';
const AUTHORITY_KEY_ID = '2.5.29.35';

/** What of the CA a client certificate names: its subject Name (DER) and key identifier. */
export interface ClientCertIssuer {
  nameDer: Buffer;
  keyIdentifier: Buffer;
}

export interface ClientCertTemplate {
  /** Hex, positive and minimal (random.ts newCertificateSerial). */
  serial: string;
  commonName: string;
  organization: string;
  email: string;
  /** The key's SubjectPublicKeyInfo, as Node exports it. */
  spkiDer: Buffer;
  now: Date;
  validityDays: number;
}

const utf8Attribute = (type: Buffer, value: string) =>
  set(sequence(type, tlv(0x0c, Buffer.from(value, 'utf8'))));

/** forge's subjectKeyIdentifier: SHA-1 of the RSAPublicKey, the content of the SPKI's BIT STRING. */
const subjectKeyIdentifier = (spki: Buffer): Buffer =>
  createHash('sha1')
    .update(
      createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'pkcs1', format: 'der' }),
    )
    .digest();

/** The TBSCertificate (v3, sha256WithRSAEncryption) and the dates it carries. */
export function clientTbs(
  issuer: ClientCertIssuer,
  template: ClientCertTemplate,
): { tbs: Buffer; notBefore: Date; notAfter: Date } {
  // rfc822Name is an IA5String. Callers take ASCII addresses only (src/policy/mailbox.ts); this keeps
  // any other text from being written as one byte per character, whoever the caller.
  if (!isPrintableAscii(template.email))
    throw new RangeError('a client certificate e-mail address must be printable ASCII');
  const notBefore = new Date(template.now.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(template.now.getTime() + template.validityDays * DAY);
  const tbs = sequence(
    explicit(0, integer(2)),
    tlv(0x02, Buffer.from(template.serial, 'hex')),
    SHA256_WITH_RSA,
    issuer.nameDer,
    sequence(time(notBefore), time(notAfter)),
    sequence(utf8Attribute(CN, template.commonName), utf8Attribute(O, template.organization)),
    template.spkiDer,
    explicit(
      3,
      sequence(
        FIXED_EXTENSIONS,
        // rfc822Name [1] IA5String: forge writes the string's char codes as bytes.
        extension(SUBJECT_ALT_NAME, sequence(implicitPrimitive(1, Buffer.from(template.email, 'latin1')))),
        extension(SUBJECT_KEY_ID, octetString(subjectKeyIdentifier(template.spkiDer))),
        extension(AUTHORITY_KEY_ID, sequence(implicitPrimitive(0, issuer.keyIdentifier))),
      ),
    ),
  );
  return { tbs, notBefore, notAfter };
}

/** The signed certificate: SEQUENCE { tbs, algorithm, BIT STRING signature }. */
export const signedCertificate = (tbs: Buffer, signature: Buffer): Buffer =>
  sequence(tbs, SHA256_WITH_RSA, bitString(signature));

/** PEM as forge writes it (64-character lines), with \n line ends as issue.ts's toPem. */
export const certificatePem = (der: Buffer): string => derToPem('CERTIFICATE', der);
