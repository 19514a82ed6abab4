/** A data directory with one tenant, one relying party and `users` active accounts with certificates. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createClient,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from '../test/helpers/fixtures.js';
import { startTestTobira } from '../test/helpers/tobira.js';

export const PASSWORD = 'Bench-Password-1';
/** The bench logs in far faster than a person: the per-IP and per-account limits must not count. */
export const LIMITS = { loginRatePerIpPerMinute: 1_000_000, loginRatePerAccountPerMinute: 1_000_000 };

export interface Provisioned {
  dataDir: string;
  caPem: string;
  client: TestClient;
  users: TestUser[];
  remove(): Promise<void>;
}

export async function provision(count: number): Promise<Provisioned> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-bench-'));
  const t = await startTestTobira({ dataDir, config: LIMITS });
  try {
    await createTenant(t.tobira, 'p-90', { lockout: { maxPasswordFailures: 100 } });
    const client = await createClient(t.tobira, {
      tenantId: 'p-90',
      redirectUri: 'https://rp.example.test/cb',
    });
    const users = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        createUser(t.tobira, { tenantId: 'p-90', userId: `p-90-bench${i}`, password: PASSWORD }),
      ),
    );
    return {
      dataDir,
      caPem: t.tobira.ca.certificatePem,
      client,
      users,
      remove: () => rm(dataDir, { recursive: true, force: true }),
    };
  } finally {
    await t.close();
  }
}
