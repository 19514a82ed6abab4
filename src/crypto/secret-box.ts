/**
 * Encryption at rest for secrets the store keeps (TOTP secrets, pending PKCS#12, download passwords):
 * AES-256-GCM with a random 96-bit nonce. Format: `v1.<base64url nonce|ciphertext|tag>`.
 * The associated data binds a ciphertext to its purpose so one cannot be swapped for another.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBoxError extends Error {
  readonly code = 'secret_box_invalid';
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('the data key must be 32 bytes');
    this.#key = Buffer.from(key);
  }

  seal(plaintext: Uint8Array | string, purpose: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `v1.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  open(sealed: string, purpose: string): Buffer {
    if (!sealed.startsWith('v1.')) throw new SecretBoxError('unknown secret box format');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    if (raw.length < 28) throw new SecretBoxError('secret box too short');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    try {
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    } catch (cause) {
      throw new SecretBoxError('secret box authentication failed', { cause });
    }
  }

  openText(sealed: string, purpose: string): string {
    return this.open(sealed, purpose).toString('utf8');
  }
}
