/**
 * RSA keys: generated with Node's async `crypto.generateKeyPair` (native, ~0.1 s for 2048 bits, off the
 * event loop; node-forge's JS keygen is far slower and blocks) and handed to forge for signing.
 * node-forge has no ECDSA, so every key here is RSA.
 */
import { createPrivateKey, generateKeyPair as generateKeyPairCb } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { CaError } from './errors.js';

const generateKeyPair = promisify(generateKeyPairCb);

export interface RsaKeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  /** Unencrypted PKCS#8 PEM. */
  privateKeyPem: string;
}

export function keyPairFromPem(privateKeyPem: string): RsaKeyPair {
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  return { privateKey, publicKey, privateKeyPem };
}

export async function generateRsaKeyPair(bits: 2048 | 3072 | 4096): Promise<RsaKeyPair> {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return keyPairFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
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
