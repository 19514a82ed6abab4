/**
 * The PKCS#12 key derivation of RFC 7292 appendix B.2 over SHA-1, which the 3DES key bag and the
 * SHA-1 MAC need (Node exposes no such KDF). Its cost is the iteration: 2,048 SHA-1s of a 20-byte
 * value per 20 bytes derived. Node's createHash costs ~5 µs per call, forge's JavaScript SHA-1 ~1.3 µs
 * with its string buffers; sha1-chain.ts hashes the one fixed single-block message in ~0.1 µs
 * (WebAssembly; a JavaScript loop took ~0.19), so a PKCS#12 (four chains) derives in ~0.8 ms instead
 * of forge's ~11. It is checked against createHash and forge in test/certs/pkcs12.test.ts, and the
 * files against openssl and forge.
 */
import { createHash } from 'node:crypto';
import { iterateSha1 } from './sha1-chain.js';

export { iterateSha1 };

/** The KDF's purposes (the diversifier ID). */
export const KdfPurpose = { key: 1, iv: 2, mac: 3 } as const;

const U = 20; // SHA-1 output
const V = 64; // SHA-1 block

/** A copy of `source` repeated to fill a multiple of 64 bytes (empty stays empty). */
const stretch = (source: Buffer): Buffer => {
  const out = Buffer.alloc(V * Math.ceil(source.length / V));
  for (let i = 0; i < out.length; i += 1) out[i] = source[i % source.length]!;
  return out;
};

/** RFC 7292 B.2 with SHA-1: `n` bytes from the password (as BMPString + 00 00), salt, purpose, count. */
export function pkcs12Kdf(password: string, salt: Buffer, purpose: number, iterations: number, n: number) {
  if (!(iterations >= 1)) throw new Error('the PKCS#12 KDF needs at least one iteration');
  const pass = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i += 1) pass.writeUInt16BE(password.charCodeAt(i), i * 2);
  const D = Buffer.alloc(V, purpose);
  const I = Buffer.concat([stretch(salt), stretch(pass)]);
  const out = Buffer.alloc(n);
  for (let done = 0; done < n; done += U) {
    const A = iterateSha1(createHash('sha1').update(D).update(I).digest(), iterations - 1);
    A.copy(out, done, 0, Math.min(U, n - done));
    if (done + U >= n) break;
    // I_j = (I_j + B + 1) mod 2^512 for each 64-byte block, B being A repeated to 64 bytes.
    const B = stretch(A);
    for (let j = 0; j < I.length; j += V) {
      let carry = 1;
      for (let k = V - 1; k >= 0; k -= 1) {
        carry += I[j + k]! + B[k]!;
        I[j + k] = carry & 0xff;
        carry >>>= 8;
      }
    }
  }
  return out;
}
