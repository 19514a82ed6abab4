/**
 * The anchor for minting: the openssl CLI doing what an issuance does — an RSA-2048 key, a certificate
 * signed by an RSA-3072 CA, a PKCS#12 — `count` at once, as separate processes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ms } from './stats.js';

const run = promisify(execFile);

/** Wall time in ms of `count` parallel openssl mintings, after a CA made beforehand. */
export async function opensslMint(count: number): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-bench-openssl-'));
  const at = (name: string) => path.join(dir, name);
  try {
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:3072', '-nodes', '-subj', '/CN=Bench CA', '-days', '30'],
      ...['-keyout', at('ca.key'), '-out', at('ca.pem')],
    ]);
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        await run('openssl', [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=bench ${i}`, '-days', '30'],
          ...['-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-keyout', at(`${i}.key`), '-out', at(`${i}.pem`)],
        ]);
        await run('openssl', [
          ...['pkcs12', '-export', '-inkey', at(`${i}.key`), '-in', at(`${i}.pem`)],
          ...['-certfile', at('ca.pem'), '-passout', 'pass:bench', '-out', at(`${i}.p12`)],
        ]);
      }),
    );
    return ms(start);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
