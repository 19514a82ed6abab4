/**
 * Minting off the event loop: RSA key generation and PKCS#12 files on a few worker threads of low CPU
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
import type { MintedKey, MintTask } from './mint-worker.js';
import { toPkcs12, type Pkcs12Input } from './pkcs12.js';

const generateKeyPair = promisify(generateKeyPairCb);

/** A new RSA key: the unencrypted PKCS#8 PEM (for the PKCS#12) and the SubjectPublicKeyInfo DER. */
export interface KeyMaterial {
  privateKeyPem: string;
  publicKeyDer: Buffer;
}

export interface Minting {
  generateKey(bits: 2048 | 3072): Promise<KeyMaterial>;
  pkcs12(input: Pkcs12Input): Promise<Buffer>;
  close(): Promise<void>;
}

/** In the calling process without threads (tests, one-off tools): keys on the libuv pool. */
export const inThreadMinting: Minting = {
  generateKey: async (bits) => {
    const { privateKey, publicKey } = await generateKeyPair('rsa', {
      modulusLength: bits,
      publicExponent: 0x10001,
    });
    return {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }),
    };
  },
  pkcs12: async (input) => toPkcs12(input),
  close: async () => {},
};

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

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

  async generateKey(bits: 2048 | 3072): Promise<KeyMaterial> {
    const made = (await this.#pool.run({ kind: 'key', bits } satisfies MintTask)) as MintedKey;
    return { privateKeyPem: made.privateKeyPem, publicKeyDer: asBuffer(made.publicKeyDer) };
  }

  async pkcs12(input: Pkcs12Input): Promise<Buffer> {
    return asBuffer((await this.#pool.run({ kind: 'pkcs12', input } satisfies MintTask)) as Uint8Array);
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
