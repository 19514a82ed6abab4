/**
 * argon2id for passwords, secret answers and one-time passwords. Parameters come from config; hashes
 * made with weaker ones are re-hashed at the next successful login.
 */
import argon2 from 'argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const DEFAULT_ARGON2: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export class PasswordHasher {
  readonly #params: Argon2Params;
  #dummy: Promise<string> | null = null;

  constructor(params: Argon2Params = DEFAULT_ARGON2) {
    this.#params = params;
  }

  hash(plain: string): Promise<string> {
    return argon2.hash(plain, { type: argon2.argon2id, ...this.#params });
  }

  /** false, never an exception, for a wrong secret or a malformed hash. */
  async verify(hash: string, plain: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, plain);
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, { ...this.#params });
    } catch {
      return true;
    }
  }

  /** Costs what a real verify costs, so an unknown user and a wrong password take the same time. */
  async dummyVerify(plain: string): Promise<false> {
    this.#dummy ??= this.hash('tobira dummy password for timing equalisation');
    await this.verify(await this.#dummy, plain);
    return false;
  }

  /** Does `plain` match any of `hashes`? Checks them all (no early exit that would leak which). */
  async matchesAny(hashes: readonly string[], plain: string): Promise<boolean> {
    const results = await Promise.all(hashes.map((h) => this.verify(h, plain)));
    return results.includes(true);
  }
}
