/**
 * X.509 certificates: CA, TLS server and client, all sha256WithRSAEncryption. forge builds the ASN.1
 * (TBSCertificate); Node's native crypto signs its DER bytes (see keys.ts for why).
 */
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { signSha256 } from './keys.js';

const { pki } = forge;
const DAY = 86_400_000;
/** Backdate notBefore a little so a client whose clock is slightly behind accepts a fresh certificate. */
const CLOCK_SKEW_MS = 5 * 60_000;

export type Attributes = forge.pki.CertificateField[];

export interface CertificateTemplate {
  serial: string;
  subject: Attributes;
  publicKey: forge.pki.rsa.PublicKey;
  now: Date;
  validityDays: number;
  extensions: Record<string, unknown>[];
}

/** Sign `template` as `issuer` (or self-signed when issuer is null). */
export async function buildCertificate(
  template: CertificateTemplate,
  issuer:
    | { certificate: forge.pki.Certificate; privateKey: KeyObject }
    | { certificate: null; privateKey: KeyObject },
): Promise<forge.pki.Certificate> {
  const cert = pki.createCertificate();
  cert.publicKey = template.publicKey;
  cert.serialNumber = template.serial;
  cert.validity.notBefore = new Date(template.now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(template.now.getTime() + template.validityDays * DAY);
  cert.setSubject(template.subject);
  cert.setIssuer(issuer.certificate ? issuer.certificate.subject.attributes : template.subject);
  const aki = issuer.certificate ? issuer.certificate.generateSubjectKeyIdentifier().getBytes() : undefined;
  cert.setExtensions([
    ...template.extensions,
    { name: 'subjectKeyIdentifier' },
    ...(aki ? [{ name: 'authorityKeyIdentifier', keyIdentifier: aki }] : []),
  ]);
  await signNatively(cert, issuer.privateKey);
  return cert;
}

/** forge's own TBSCertificate builder (public in forge, missing from its type declarations). */
interface TbsBuilder {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** What forge's `cert.sign` does, with the RSA signature made by Node instead of forge's JavaScript. */
async function signNatively(cert: forge.pki.Certificate, privateKey: KeyObject): Promise<void> {
  cert.md = forge.md.sha256.create();
  cert.signatureOid = cert.siginfo.algorithmOid = pki.oids.sha256WithRSAEncryption!;
  // certificateToAsn1 reuses this cached TBS, so the signed bytes are the bytes that ship.
  cert.tbsCertificate = (pki as unknown as TbsBuilder).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = (await signSha256(privateKey, tbs)).toString('binary');
}

export const caExtensions = (): Record<string, unknown>[] => [
  { name: 'basicConstraints', cA: true, critical: true },
  { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
];

export const serverExtensions = (hostnames: string[]): Record<string, unknown>[] => [
  { name: 'basicConstraints', cA: false },
  { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
  { name: 'extKeyUsage', serverAuth: true },
  {
    name: 'subjectAltName',
    altNames: hostnames.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
  },
];

export const clientExtensions = (email: string): Record<string, unknown>[] => [
  { name: 'basicConstraints', cA: false },
  { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
  { name: 'extKeyUsage', clientAuth: true },
  { name: 'subjectAltName', altNames: [{ type: 1, value: email }] },
];

export const subject = (commonName: string, organization: string): Attributes => [
  { shortName: 'CN', value: commonName, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
  { shortName: 'O', value: organization, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
];

export const toPem = (cert: forge.pki.Certificate): string =>
  pki.certificateToPem(cert).replace(/\r\n/g, '\n');
export const toDer = (cert: forge.pki.Certificate): Buffer =>
  Buffer.from(forge.asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
