/**
 * A piscina worker of the mint pool (mint-pool.ts): RSA keys and their PKCS#12 key bags, off the
 * event loop and off the libuv pool that argon2id verifies on. The thread lowers its own CPU priority
 * first, so that when the cores are busy the event loop and argon2id go first and minting waits.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { shroudKey } from './pkcs12.js';

/** How much lower than the process the minting threads run (nice values, capped at 19). */
const NICER_BY = 10;

try {
  // Linux keeps a nice value per thread; /proc/thread-self names this thread's id.
  const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
  setPriority(thread, Math.min(19, getPriority(thread) + NICER_BY));
} catch {
  // No /proc (macOS, Windows): minting runs at the process's priority, bounded by the pool's size.
}

export type MintTask =
  | { kind: 'key'; bits: number; password: string }
  | { kind: 'shroud'; pkcs8Der: Uint8Array; password: string };
/** A minted key as it crosses back: the public key and the shrouded private key (pkcs12.ts). */
export type MintedKeyMessage = {
  publicKeyDer: Uint8Array;
  encryptedKeyInfo: Uint8Array;
  macKey: Uint8Array;
  macSalt: Uint8Array;
};

// One default export: piscina (under tsx) finds a module's handler through its default export.
export default function mint(task: MintTask): MintedKeyMessage {
  if (task.kind === 'shroud') {
    const privateKey = createPrivateKey({ key: Buffer.from(task.pkcs8Der), format: 'der', type: 'pkcs8' });
    return answer(privateKey, createPublicKey(privateKey), task.password);
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: task.bits,
    publicExponent: 0x10001,
  });
  return answer(privateKey, publicKey, task.password);
}

/** The private key leaves this thread only encrypted under the download password. */
function answer(privateKey: KeyObject, publicKey: KeyObject, password: string): MintedKeyMessage {
  return {
    publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }),
    ...shroudKey(privateKey.export({ type: 'pkcs8', format: 'der' }), password),
  };
}
