/**
 * Reading a PKCS#12 back (tests, and operators' files) with node-forge; apart from pkcs12.ts so the
 * mint pool's threads, which only write them, do not load forge.
 */
import forge from 'node-forge';
import { CaError } from './errors.js';

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
