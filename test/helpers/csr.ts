/** A PKCS#10 request as a device would make it: its own RSA key, a subject Tobira must ignore. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export function makeCsr(
  bits = 2048,
  commonName = 'chosen-by-the-device',
): { csrPem: string; privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  csr.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'emailAddress', value: 'device@attacker.example' },
  ]);
  const signingKey = forge.pki.privateKeyFromPem(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  csr.sign(signingKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), privateKey };
}
