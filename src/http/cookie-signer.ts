/**
 * Signed cookies' keys for Koa and oidc-provider (both accept a Keygrip-like object as `keys`): the same
 * signatures as `keygrip` with its defaults (HMAC-SHA1, base64url, the first key signs, every key
 * verifies), so cookies signed before a restart or by an older worker stay valid. Cheaper per cookie:
 * keygrip turns the key string into a key on every HMAC and compares through `tsscmp` (random bytes and
 * two more HMACs per comparison); here the keys are imported once and compared with timingSafeEqual.
 * Several signed cookies are read and written on each login request (session, interaction, resume).
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export class CookieSigner {
  readonly #keys: KeyObject[];

  constructor(keys: readonly string[]) {
    if (!keys.length) throw new TypeError('at least one cookie key is needed');
    // keygrip hands the string to createHmac, which reads it as UTF-8.
    this.#keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    return this.#mac(data, this.#keys[0]!).toString('base64url');
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** The index of the key that signed `data` as `digest`, or -1 (cookies re-signs when it is not 0). */
  index(data: string, digest: string): number {
    const given = Buffer.from(digest, 'base64url');
    // base64url decoding skips stray characters: only a canonical digest may match.
    if (given.toString('base64url') !== digest) return -1;
    for (let i = 0; i < this.#keys.length; i += 1) {
      const expected = this.#mac(data, this.#keys[i]!);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }

  #mac(data: string, key: KeyObject): Buffer {
    return createHmac('sha1', key).update(data).digest();
  }
}
