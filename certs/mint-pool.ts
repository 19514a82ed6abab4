/**
 * Minting off the event loop: RSA key generation and its PKCS#12 key bag on a few worker threads of low CPU
 * priority (mint-worker.ts). Key generation stays off the libuv pool, where argon2id verifies passwords,
 * so an enrollment wave cannot queue logins behind it; the pool's size bounds how many run at once. The
 * worker is the .ts source under tsx (it gets its own `--import tsx`, as bin/tobira.js registers tsx
 * in-process only) and the .js file when compiled.
 */
import { generateKeyPair as generateKeyPairCb } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Piscina } from 'piscina';
import type { MintedKeyMessage, MintTask } from './mint-worker.js';
import { shroudKey, type ShroudedKey } from './pkcs12.js';

const generateKeyPair = promisify(generateKeyPairCb);

/**
 * A new RSA key as minting hands it out: the SubjectPublicKeyInfo DER (for the certificate) and the
 * private key only shrouded under the download password (for the PKCS#12: pkcs12.ts pkcs12File).
 */
export interface MintedKey {
  publicKeyDer: Buffer;
  shrouded: ShroudedKey;
}

export interface Minting {
  generateKey(bits: 2048 | 3072, password: string): Promise<MintedKey>;
  close(): Promise<void>;
}

/** In the calling process without threads (tests, one-off tools): keys on the libuv pool. */
export const inThreadMinting: Minting = {
  generateKey: async (bits, password) => {
    const { privateKey, publicKey } = await generateKeyPair('rsa', {
      modulusLength: bits,
      publicExponent: 0x10001,
    });
    return {
      publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }),
      shrouded: shroudKey(privateKey.export({ type: 'pkcs8', format: 'der' }), password),
    };
  },
  close: async () => {},
};

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const minted = (made: MintedKeyMessage): MintedKey => ({
  publicKeyDer: asBuffer(made.publicKeyDer),
  shrouded: {
    encryptedKeyInfo: asBuffer(made.encryptedKeyInfo),
    macKey: asBuffer(made.macKey),
    macSalt: asBuffer(made.macSalt),
  },
});

export class MintPool implements Minting {
  readonly #pool: Piscina;

  constructor(options: { threads: number }) {
    const ext = path.extname(fileURLToPath(import.meta.url));
    this.#pool = new Piscina({
      filename: new URL(`./mint-worker${ext}`, import.meta.url).href,
      execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
      // Threads start on first use and leave when idle: most processes mint rarely.
      minThreads: 0,
      maxThreads: Math.max(1, options.threads),
      idleTimeout: 30_000,
    });
  }

  /** A new key and its shrouded private half, made in one task on a pool thread. */
  async generateKey(bits: 2048 | 3072, password: string): Promise<MintedKey> {
    return minted(
      (await this.#pool.run({ kind: 'key', bits, password } satisfies MintTask)) as MintedKeyMessage,
    );
  }

  /** A key made elsewhere (PKCS#8 DER), shrouded on a pool thread: bench/mint-overhead.ts's stand-in. */
  async shroud(pkcs8Der: Buffer, password: string): Promise<MintedKey> {
    return minted(
      (await this.#pool.run({ kind: 'shroud', pkcs8Der, password } satisfies MintTask)) as MintedKeyMessage,
    );
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
