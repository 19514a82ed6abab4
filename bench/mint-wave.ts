/**
 * A wave of certificate re-issues, and what minting costs beyond its RSA key.
 *
 * A key's random prime search costs 42–326 ms of CPU (mean 129, sd 62), so minting ÷ key generation over
 * waves of fresh keys moves ±10–30% from run to run whatever the code does. What minting adds to its key
 * — the pool task's hand-offs, the key's export and encryption with the password's KDF, certificate, CA
 * signature, PKCS#12, sealing, store writes, audit — is measured here without that randomness: the mint
 * pool is handed keys made beforehand (its thread still exports and encrypts each), so a wave costs
 * only the rest. With the floor's CPU per key F and this overhead x per issuance, the cores allow
 * minting at F / (F + x) of key generation alone.
 */
import { generateKeyPairSync } from 'node:crypto';
import { MintPool } from '../certs/index.js';
import type { Tobira } from '../src/app.js';
import type { Tenant } from '../src/domain.js';
import type { TestUser } from '../test/helpers/fixtures.js';
import { cpuSince, ms } from './stats.js';

/**
 * Re-issue for every user's terminal at once (key + certificate + PKCS#12, superseding the last);
 * each issuance's wall time in ms.
 */
export function reissueWave(tobira: Tobira, tenant: Tenant, users: TestUser[]): Promise<number[]> {
  return Promise.all(
    users.map(async (u) => {
      const start = process.hrtime.bigint();
      await tobira.certificates.issueForTerminal({
        account: u.account,
        tenant,
        terminal: (await tobira.store.getTerminal(u.terminal.id))!,
        downloadPassword: 'Bench-Download-1',
        downloadExpiresAt: new Date(Date.now() + 3600_000),
        actor: 'bench',
      });
      return ms(start);
    }),
  );
}

/**
 * This process's CPU (every thread) per issuance beyond its key, one value per wave of `users.length`
 * re-issues. The mint pool's key generation is replaced for the duration only, by `users.length` keys
 * made first (PKCS#8 DER), used in turn.
 */
export async function mintOverheadCpuMs(
  tobira: Tobira,
  tenant: Tenant,
  users: TestUser[],
  waves: number,
): Promise<number[]> {
  const keys = users.map(() =>
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }),
  );
  let next = 0;
  const generateKey = Object.getOwnPropertyDescriptor(MintPool.prototype, 'generateKey')!;
  // The stand-in: the pool's task takes a key from the set instead of making one; the rest is as minted.
  MintPool.prototype.generateKey = function (this: MintPool, _bits, password) {
    return this.shroud(keys[next++ % keys.length]!, password);
  };
  try {
    const perIssuance: number[] = [];
    for (let i = 0; i < waves; i += 1) {
      const cpu = process.cpuUsage();
      await reissueWave(tobira, tenant, users);
      perIssuance.push((cpuSince(cpu) * 1000) / users.length);
    }
    return perIssuance;
  } finally {
    Object.defineProperty(MintPool.prototype, 'generateKey', generateKey);
  }
}
