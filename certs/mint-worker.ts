/**
 * A piscina worker of the mint pool (mint-pool.ts): RSA key generation and PKCS#12 files, off the
 * event loop and off the libuv pool that argon2id verifies on. The thread lowers its own CPU priority
 * first, so that when the cores are busy the event loop and argon2id go first and minting waits.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { toPkcs12, type Pkcs12Input } from './pkcs12.js';

/** How much lower than the process the minting threads run (nice values, capped at 19). */
const NICER_BY = 10;

try {
  // Linux keeps a nice value per thread; /proc/thread-self names this thread's id.
  const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
  setPriority(thread, Math.min(19, getPriority(thread) + NICER_BY));
} catch {
  // No /proc (macOS, Windows): minting runs at the process's priority, bounded by the pool's size.
}

export type MintTask = { kind: 'key'; bits: number } | { kind: 'pkcs12'; input: Pkcs12Input };
export type MintedKey = { privateKeyPem: string; publicKeyDer: Uint8Array };

// One default export: piscina (under tsx) finds a module's handler through its default export.
export default function mint(task: MintTask): MintedKey | Uint8Array {
  if (task.kind === 'pkcs12') return toPkcs12(task.input);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: task.bits,
    publicExponent: 0x10001,
  });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }),
  };
}
