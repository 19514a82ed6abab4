/**
 * Certificates an attacker can make without Tobira's CA key, built here with node-forge alone (not with
 * Tobira's CA code): copies of a victim's certificate — same subject, same serial, same extensions,
 * same validity — signed by the attacker's own key or by a CA the attacker made, named like Tobira's CA.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

const { pki } = forge;

function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const rsa = key as forge.pki.rsa.PrivateKey;
  return { privateKey: rsa, publicKey: pki.setRsaPublicKey(rsa.n, rsa.e) };
}

function pkcs12(key: forge.pki.rsa.PrivateKey, chain: forge.pki.Certificate[], password: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** A new certificate for `publicKey` with the serial, validity and subject of `like`. */
function certificateLike(like: forge.pki.Certificate, publicKey: forge.pki.rsa.PublicKey) {
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = like.serialNumber;
  cert.validity.notBefore = like.validity.notBefore;
  cert.validity.notAfter = like.validity.notAfter;
  cert.setSubject(like.subject.attributes);
  return cert;
}

export interface Forged {
  p12: Buffer;
  p12Password: string;
  serial: string;
}

/**
 * A copy of `victimPem` (subject, serial, validity, extensions) with a new key.
 * `self`: issuer = subject, signed by that key. `foreign-ca`: signed by a new CA whose name is the name
 * of `issuerPem` (Tobira's CA), so only the signature tells them apart.
 */
export function forgeCopy(victimPem: string, signer: 'self' | { foreignCaNamedLike: string }): Forged {
  const victim = pki.certificateFromPem(victimPem);
  const leafKeys = rsaKeys();
  const leaf = certificateLike(victim, leafKeys.publicKey);
  leaf.setExtensions(victim.extensions.filter((e: { name?: string }) => e.name !== 'authorityKeyIdentifier'));
  const p12Password = 'forged-pass';
  if (signer === 'self') {
    leaf.setIssuer(victim.subject.attributes);
    leaf.sign(leafKeys.privateKey, forge.md.sha256.create());
    return {
      p12: pkcs12(leafKeys.privateKey, [leaf], p12Password),
      p12Password,
      serial: victim.serialNumber,
    };
  }
  const named = pki.certificateFromPem(signer.foreignCaNamedLike);
  const caKeys = rsaKeys();
  const ca = certificateLike(named, caKeys.publicKey);
  ca.setIssuer(named.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  leaf.setIssuer(named.subject.attributes);
  leaf.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    p12: pkcs12(leafKeys.privateKey, [leaf, ca], p12Password),
    p12Password,
    serial: victim.serialNumber,
  };
}
