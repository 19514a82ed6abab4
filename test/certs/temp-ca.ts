/** A CA in a temporary directory, for the certs suites that only need one to issue from. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../../certs/index.js';

export async function tempCa(): Promise<{ ca: CertificateAuthority; dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-certs-'));
  const ca = await CertificateAuthority.loadOrCreate({
    dir,
    keyPassphrase: 'pp',
    serverHostnames: ['localhost'],
  });
  return { ca, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
