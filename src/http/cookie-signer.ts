/**
 * Signed cookies' keys for Koa and oidc-provider (both accept a Keygrip-like object as `keys`): the same
 * signatures as `keygrip` with its defaults (HMAC-SHA1, base64url, the first key signs, every key
 * verifies), so cookies signed before a restart or by an older worker stay valid. Cheaper per cookie:
 * keygrip turns the key string into a key on every HMAC and compares through `tsscmp` (random bytes and
 * two more HMACs per comparison); here the keys are imported once and compared with timingSafeEqual.
 * Several signed cookies are read and written on each login request (session, interaction, resume).
 * The same cookie comes back in the login's next requests: a digest this signer made or already found
 * valid is remembered with its data (bounded, oldest out first), and the same digest again is compared to
 * it (timingSafeEqual) instead of computing the HMAC anew — the answer is the one the HMAC would give,
 * since the keys of a signer never change (a rotation builds a new signer); any other digest is computed.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Remembered (data, digest) pairs per signer: ~4 cookies per login in flight, each well under 1 KiB. */
export const REMEMBERED_DIGESTS = 4096;

export class CookieSigner {
  readonly #keys: KeyObject[];
  /** data → a digest of it by key `index` (signed here, or verified). */
  readonly #known = new Map<string, { digest: Buffer; index: number }>();

  constructor(keys: readonly string[]) {
    if (!keys.length) throw new TypeError('at least one cookie key is needed');
    // keygrip hands the string to createHmac, which reads it as UTF-8.
    this.#keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    const digest = this.#mac(data, this.#keys[0]!);
    this.#remember(data, digest, 0);
    return digest.toString('base64url');
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** The index of the key that signed `data` as `digest`, or -1 (cookies re-signs when it is not 0). */
  index(data: string, digest: string): number {
    const given = Buffer.from(digest, 'base64url');
    // base64url decoding skips stray characters: only a canonical digest may match.
    if (given.toString('base64url') !== digest) return -1;
    const known = this.#known.get(data);
    if (known && known.digest.length === given.length && timingSafeEqual(known.digest, given))
      return known.index;
    for (let i = 0; i < this.#keys.length; i += 1) {
      const expected = this.#mac(data, this.#keys[i]!);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        this.#remember(data, expected, i);
        return i;
      }
    }
    return -1;
  }

  #remember(data: string, digest: Buffer, index: number): void {
    this.#known.delete(data); // re-inserted as the newest
    if (this.#known.size >= REMEMBERED_DIGESTS) this.#known.delete(this.#known.keys().next().value!);
    this.#known.set(data, { digest, index });
  }

  #mac(data: string, key: KeyObject): Buffer {
    return createHmac('sha1', key).update(data).digest();
  }
}
