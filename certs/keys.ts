/**
 * RSA keys: generated with Node's async `crypto.generateKeyPair` (native, ~0.1 s for 2048 bits, off the
 * event loop; node-forge's JS keygen is far slower and blocks). Private keys stay Node KeyObjects and
 * sign natively (forge's JavaScript RSA took ~70 ms of event loop per signature with the 3072-bit CA
 * key); forge only gets the public key, to put in the certificates it builds.
 * node-forge has no ECDSA, so every key here is RSA.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  sign,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { CaError } from './errors.js';

const generateKeyPair = promisify(generateKeyPairCb);

export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: forge.pki.rsa.PublicKey;
  /** Unencrypted PKCS#8 PEM. */
  privateKeyPem: string;
}

const signWithCallback = promisify(sign);

/** sha256WithRSAEncryption (PKCS#1 v1.5) over `data`, natively on the libuv pool (~1.5 ms for RSA-3072). */
export const signSha256 = (privateKey: KeyObject, data: Buffer): Promise<Buffer> =>
  signWithCallback('sha256', data, privateKey);

/** forge's view of an RSA SubjectPublicKeyInfo (DER), for the certificates it builds. */
export const forgePublicKeyFromSpki = (der: Buffer): forge.pki.rsa.PublicKey =>
  forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(der.toString('binary'))) as forge.pki.rsa.PublicKey;

const forgePublicKey = (key: KeyObject): forge.pki.rsa.PublicKey =>
  forgePublicKeyFromSpki(createPublicKey(key).export({ type: 'spki', format: 'der' }));

export function keyPairFromPem(privateKeyPem: string): RsaKeyPair {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('not an RSA private key');
  return { privateKey, publicKey: forgePublicKey(privateKey), privateKeyPem };
}

export async function generateRsaKeyPair(bits: 2048 | 3072 | 4096): Promise<RsaKeyPair> {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return {
    privateKey,
    publicKey: forgePublicKey(privateKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** PKCS#8 PEM encrypted with AES-256-CBC under `passphrase` (scrypt-free PBES2, as Node exports it). */
export function encryptPrivateKeyPem(privateKeyPem: string, passphrase: string): string {
  return createPrivateKey(privateKeyPem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    .toString();
}

/** Decrypt an (optionally) encrypted private key PEM; a wrong passphrase is a `ca_key_locked` error. */
export function decryptPrivateKeyPem(pem: string, passphrase: string | undefined, label: string): string {
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
  } catch (cause) {
    throw new CaError('ca_key_locked', `cannot open ${label}: wrong passphrase or not a private key`, {
      cause,
    });
  }
}
