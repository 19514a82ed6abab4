/**
 * The PKCS#12 key derivation of RFC 7292 appendix B.2 over SHA-1, which the 3DES key bag and the
 * SHA-1 MAC need (Node exposes no such KDF). Its cost is the iteration: 2,048 SHA-1s of a 20-byte
 * value per 20 bytes derived. Node's createHash costs ~5 µs per call, forge's JavaScript SHA-1 ~1.3 µs
 * with its string buffers; sha1-chain.ts hashes the one fixed single-block message in ~0.1 µs
 * (WebAssembly; a JavaScript loop took ~0.19), four chains side by side in ~0.13 µs. A PKCS#12 needs
 * four chains: the key's first block, the IV and the MAC key are independent (side by side), the
 * key's second block follows its first: ~0.5 ms on Node 24 instead of forge's ~11. It is checked
 * against createHash and forge in test/certs/pkcs12.test.ts, and the files against openssl and forge.
 */
import { createHash } from 'node:crypto';
import { iterateSha1, iterateSha1Chains } from './sha1-chain.js';

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

/** One derivation: `n` bytes for `purpose` from `salt` (and the password, the iteration count). */
export interface KdfRequest {
  salt: Buffer;
  purpose: number;
  n: number;
}

/** RFC 7292 B.2 with SHA-1: `n` bytes from the password (as BMPString + 00 00), salt, purpose, count. */
export function pkcs12Kdf(password: string, salt: Buffer, purpose: number, iterations: number, n: number) {
  return pkcs12Kdfs(password, [{ salt, purpose, n }], iterations)[0]!;
}

/** Several derivations from one password, their chains run side by side block by block. */
export function pkcs12Kdfs(password: string, requests: readonly KdfRequest[], iterations: number): Buffer[] {
  if (!(iterations >= 1)) throw new Error('the PKCS#12 KDF needs at least one iteration');
  const pass = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i += 1) pass.writeUInt16BE(password.charCodeAt(i), i * 2);
  const states = requests.map((r) => ({
    D: Buffer.alloc(V, r.purpose),
    I: Buffer.concat([stretch(r.salt), stretch(pass)]),
    out: Buffer.alloc(r.n),
  }));
  for (let done = 0; ; done += U) {
    const open = states.filter((state) => done < state.out.length);
    if (!open.length) return states.map((state) => state.out);
    const digests = open.map(({ D, I }) => createHash('sha1').update(D).update(I).digest());
    iterateSha1Chains(digests, iterations - 1).forEach((A, k) => {
      const { I, out } = open[k]!;
      A.copy(out, done, 0, Math.min(U, out.length - done));
      if (done + U >= out.length) return;
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
    });
  }
}
