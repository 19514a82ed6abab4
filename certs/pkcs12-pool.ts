/**
 * PKCS#12 files built on worker threads: forge's 3DES key encryption and PKCS#12 KDF/MAC run in
 * JavaScript (tens of ms per file) and would otherwise block every request while an enrollment wave
 * is minted. The worker is the .ts source under tsx (it gets its own `--import tsx`, as bin/tobira.js
 * registers tsx in-process only) and the .js file when compiled.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { toPkcs12, type Pkcs12Input } from './pkcs12.js';

export interface Pkcs12Builder {
  build(input: Pkcs12Input): Promise<Buffer>;
  close(): Promise<void>;
}

/** In the calling thread: for tests and one-off tools that do not want worker threads. */
export const inThreadPkcs12: Pkcs12Builder = {
  build: async (input) => toPkcs12(input),
  close: async () => {},
};

export class Pkcs12Pool implements Pkcs12Builder {
  readonly #pool: Piscina<Pkcs12Input, Uint8Array>;

  constructor(options: { maxThreads: number }) {
    const ext = path.extname(fileURLToPath(import.meta.url));
    this.#pool = new Piscina({
      filename: new URL(`./pkcs12-worker${ext}`, import.meta.url).href,
      execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
      // Threads start on first use and leave when idle: most processes mint rarely.
      minThreads: 0,
      maxThreads: options.maxThreads,
      idleTimeout: 30_000,
    });
  }

  async build(input: Pkcs12Input): Promise<Buffer> {
    const bytes = await this.#pool.run(input);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
