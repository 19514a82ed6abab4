/**
 * What minting costs beyond its RSA key, without the key's randomness (alone:
 * `node --import tsx bench/mint-overhead.ts [--waves 4]`). bench/issuance.ts compares minting with key
 * generation alone, but a key's prime search costs 42–326 ms of CPU, so that ratio moves ±10% from run
 * to run. Here the mint pool's task takes a key made beforehand instead of making one (its thread still
 * exports and encrypts it, with the password's KDF), so a wave of 10 re-issues costs only the rest —
 * that task and its hand-offs, certificate, CA signature, PKCS#12, sealing, store writes, audit — as
 * this process's CPU on every thread; with the floor's CPU per key F the expected minting ÷ floor is
 * F / (F + x).
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MintPool } from '../certs/index.js';
import { createTenant, createUser } from '../test/helpers/fixtures.js';
import { startTestTobira } from '../test/helpers/tobira.js';
import { reissueWave } from './issuance.js';
import { LIMITS, PASSWORD } from './provision.js';
import { cpuSince } from './stats.js';

const { values } = parseArgs({ options: { waves: { type: 'string', default: '4' } } });
const WAVE = 10;
const keys: Buffer[] = Array.from({ length: WAVE }, () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }),
);
let next = 0;
// The stand-in: the pool's task takes a key from the set instead of making one; the rest is as minted.
MintPool.prototype.generateKey = function (this: MintPool, _bits, password) {
  return this.shroud(keys[next++ % WAVE]!, password);
};

const t = await startTestTobira({ config: LIMITS });
try {
  await createTenant(t.tobira, 'p-94');
  const users = await Promise.all(
    Array.from({ length: WAVE }, (_, i) =>
      createUser(t.tobira, { tenantId: 'p-94', userId: `p-94-w${i}`, password: PASSWORD }),
    ),
  );
  const tenant = (await t.tobira.store.getTenant('p-94'))!;
  await t.tobira.certificates.crl();
  const wave = () => reissueWave(t.tobira, tenant, users);
  await wave(); // warm-up: the pool's threads start, code is compiled
  for (let i = 0; i < Number(values.waves); i += 1) {
    const cpu = process.cpuUsage();
    await wave();
    console.log(
      `wave ${i}: ${((cpuSince(cpu) * 1000) / WAVE).toFixed(1)} ms CPU per issuance beyond the key`,
    );
  }
} finally {
  await t.close();
}
process.exit(0);
