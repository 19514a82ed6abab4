/** A real Tobira with admin API keys (platform and per tenant), and a caller for its JSON API. */
import request from 'supertest';
import type { Config } from '../../src/config.js';
import { newToken, sha256Hex } from '../../src/random.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface AdminTobira {
  t: TestTobira;
  platformKey: string;
  /** A new API key limited to one tenant. */
  tenantKey(tenantId: string): Promise<string>;
  api(method: Method, path: string, key?: string | null): request.Test;
  close(): Promise<void>;
}

export async function startAdminTobira(config: Partial<Config> = {}): Promise<AdminTobira> {
  const t = await startTestTobira({ config });
  const createKey = async (tenantId: string | null) => {
    const key = newToken(32);
    await t.tobira.store.createApiKey(
      { id: `key-${newToken(6)}`, keyHash: sha256Hex(key), label: 'security test', tenantId },
      new Date(),
    );
    return key;
  };
  const platformKey = await createKey(null);
  return {
    t,
    platformKey,
    tenantKey: createKey,
    api(method, path, key = platformKey) {
      const req = request(t.url)[method](`/admin/v1${path}`).ca(t.tobira.ca.certificatePem);
      return key ? req.set('Authorization', `Bearer ${key}`) : req;
    },
    close: () => t.close(),
  };
}
