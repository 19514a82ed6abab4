/**
 * PKCS#12 packaging. We use 3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) with a SHA-1 MAC on purpose: it is
 * the one format that older macOS Keychain, Windows 10's importer, Firefox and Chromium all accept.
 * AES-256/PBES2 PKCS#12 files (OpenSSL 3's default) are refused by those older importers.
 * The layout is the one node-forge writes (`toPkcs12Asn1` with algorithm 3des, count 2048,
 * generateLocalKeyId, a friendlyName): the leaf and the CA certificate in a plain SafeContents, the
 * leaf carrying the bag attributes, then the shrouded key bag with the same attributes, and an HMAC-SHA1
 * MacData. It is built here with node:crypto (3DES-CBC, SHA-1, HMAC) and the PKCS#12 KDF of
 * pkcs12-kdf.ts: ~1.5 ms of CPU instead of forge's ~15, nearly all of it in `shroudKey`.
 */
import { createCipheriv, createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { bmpString, explicit, integer, nullValue, octetString, oid, pemToDer, sequence, set } from './der.js';
import { KdfPurpose, pkcs12Kdfs } from './pkcs12-kdf.js';

export interface Pkcs12Input {
  privateKeyPem: string;
  certificatePem: string;
  caCertificatePem: string;
  password: string;
  friendlyName: string;
}

const OID = {
  data: oid('1.2.840.113549.1.7.1'),
  certBag: oid('1.2.840.113549.1.12.10.1.3'),
  x509Certificate: oid('1.2.840.113549.1.9.22.1'),
  shroudedKeyBag: oid('1.2.840.113549.1.12.10.1.2'),
  pbeWithSha1And3DesCbc: oid('1.2.840.113549.1.12.1.3'),
  localKeyId: oid('1.2.840.113549.1.9.21'),
  friendlyName: oid('1.2.840.113549.1.9.20'),
  sha1: oid('1.3.14.3.2.26'),
};
const ITERATIONS = 2048;
const SALT_BYTES = 8;

/** ContentInfo of type data around DER content. */
const dataContent = (der: Buffer) => sequence(OID.data, explicit(0, octetString(der)));

/**
 * The private key's half of a PKCS#12: the key encrypted under the password (an
 * EncryptedPrivateKeyInfo, pbeWithSHAAnd3-KeyTripleDES-CBC) and the MAC key the file's HMAC takes.
 * The password's whole KDF cost is here, so the mint pool does it beside the key it made (the key
 * never leaves its thread unencrypted); `pkcs12File` then adds the certificates: DER and one HMAC.
 */
export interface ShroudedKey {
  encryptedKeyInfo: Buffer;
  macKey: Buffer;
  macSalt: Buffer;
}

export function shroudKey(pkcs8Der: Buffer, password: string): ShroudedKey {
  const keySalt = randomBytes(SALT_BYTES);
  const macSalt = randomBytes(SALT_BYTES);
  const [key, iv, macKey] = pkcs12Kdfs(
    password,
    [
      { salt: keySalt, purpose: KdfPurpose.key, n: 24 },
      { salt: keySalt, purpose: KdfPurpose.iv, n: 8 },
      { salt: macSalt, purpose: KdfPurpose.mac, n: 20 },
    ],
    ITERATIONS,
  );
  const cipher = createCipheriv('des-ede3-cbc', key!, iv!);
  const encryptedKey = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
  return {
    encryptedKeyInfo: sequence(
      sequence(OID.pbeWithSha1And3DesCbc, sequence(octetString(keySalt), integer(ITERATIONS))),
      octetString(encryptedKey),
    ),
    macKey: macKey!,
    macSalt,
  };
}

/** The file around a shrouded key: the leaf and CA certificates, bag attributes, the HMAC-SHA1 MacData. */
export function pkcs12File(input: {
  shrouded: ShroudedKey;
  certificatePem: string;
  caCertificatePem: string;
  friendlyName: string;
}): Buffer {
  const { shrouded } = input;
  const leaf = pemToDer(input.certificatePem);
  const attributes = set(
    sequence(OID.localKeyId, set(octetString(createHash('sha1').update(leaf).digest()))),
    sequence(OID.friendlyName, set(bmpString(input.friendlyName))),
  );
  const certBag = (der: Buffer, withAttributes: boolean) =>
    sequence(
      OID.certBag,
      explicit(0, sequence(OID.x509Certificate, explicit(0, octetString(der)))),
      ...(withAttributes ? [attributes] : []),
    );
  const keyBag = sequence(OID.shroudedKeyBag, explicit(0, shrouded.encryptedKeyInfo), attributes);
  const authenticatedSafe = sequence(
    dataContent(sequence(certBag(leaf, true), certBag(pemToDer(input.caCertificatePem), false))),
    dataContent(sequence(keyBag)),
  );
  const mac = createHmac('sha1', shrouded.macKey).update(authenticatedSafe).digest();
  return sequence(
    integer(3),
    dataContent(authenticatedSafe),
    sequence(
      sequence(sequence(OID.sha1, nullValue()), octetString(mac)),
      octetString(shrouded.macSalt),
      integer(ITERATIONS),
    ),
  );
}

/** A whole PKCS#12 in one step (the CA's own use, tests). */
export function toPkcs12(input: Pkcs12Input): Buffer {
  const pkcs8 = createPrivateKey(input.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  return pkcs12File({ ...input, shrouded: shroudKey(pkcs8, input.password) });
}
