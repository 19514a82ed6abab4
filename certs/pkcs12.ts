/**
 * PKCS#12 packaging. We use 3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) with a SHA-1 MAC on purpose: it is
 * the one format that older macOS Keychain, Windows 10's importer, Firefox and Chromium all accept.
 * AES-256/PBES2 PKCS#12 files (OpenSSL 3's default) are refused by those older importers.
 */
import forge from 'node-forge';
import { CaError } from './errors.js';

export interface Pkcs12Input {
  privateKeyPem: string;
  certificatePem: string;
  caCertificatePem: string;
  password: string;
  friendlyName: string;
}

export function toPkcs12(input: Pkcs12Input): Buffer {
  const key = forge.pki.privateKeyFromPem(input.privateKeyPem);
  const chain = [
    forge.pki.certificateFromPem(input.certificatePem),
    forge.pki.certificateFromPem(input.caCertificatePem),
  ];
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, input.password, {
    algorithm: '3des',
    friendlyName: input.friendlyName,
    generateLocalKeyId: true,
    count: 2048,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** Read a PKCS#12 back (tests, and operators' files): the key and certificates inside. */
export function fromPkcs12(
  p12: Buffer,
  password: string,
): { privateKeyPem: string; certificatesPem: string[] } {
  try {
    const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), password);
    const keyBags =
      parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ??
      [];
    const certBags = parsed.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
    const key = keyBags[0]?.key;
    if (!key) throw new Error('no private key in the PKCS#12');
    return {
      privateKeyPem: forge.pki.privateKeyToPem(key),
      certificatesPem: certBags.flatMap((b) => (b.cert ? [forge.pki.certificateToPem(b.cert)] : [])),
    };
  } catch (cause) {
    throw new CaError('pkcs12_invalid', 'cannot read the PKCS#12 (wrong password or damaged file)', {
      cause,
    });
  }
}
