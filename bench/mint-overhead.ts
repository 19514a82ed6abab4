/**
 * What minting costs beyond its RSA key, without the key's randomness (bench/mint-wave.ts; bench/issuance.ts
 * measures it too, in its run). Alone: `node --import tsx bench/mint-overhead.ts [--waves 4]`.
 */
import { parseArgs } from 'node:util';
import { createTenant, createUser } from '../test/helpers/fixtures.js';
import { startTestTobira } from '../test/helpers/tobira.js';
import { mintOverheadCpuMs, reissueWave } from './mint-wave.js';
import { LIMITS, PASSWORD } from './provision.js';

const { values } = parseArgs({ options: { waves: { type: 'string', default: '4' } } });
const WAVE = 10;

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
  await reissueWave(t.tobira, tenant, users); // warm-up: the pool's threads start, code is compiled
  const waves = await mintOverheadCpuMs(t.tobira, tenant, users, Number(values.waves));
  waves.forEach((cpuMs, i) =>
    console.log(`wave ${i}: ${cpuMs.toFixed(1)} ms CPU per issuance beyond the key`),
  );
} finally {
  await t.close();
}
process.exit(0);
