/**
 * The retention job's login-history purge: each tenant's events past its policy, and the events no
 * tenant was known for past the default policy's retention (they were never purged before). The store
 * side (`purgeLoginEvents(before, null)`) is in the contract, on both adapters.
 */
import { expect } from 'chai';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/log.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import { RetentionJob } from '../../src/services/retention.js';
import type { Store } from '../../src/store.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-24T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('retention job: login history', function () {
  let store: Store;
  beforeEach(async () => (store = await openSqliteStore({ path: ':memory:' })));
  afterEach(async () => store.close());

  const event = (tenantId: string | null, days: number) =>
    store.addLoginEvent({
      accountId: null,
      tenantId,
      at: daysAgo(days),
      sourceIp: '192.0.2.1',
      result: tenantId ? 'success' : 'cert_unknown',
      clientId: null,
      userAgent: null,
      certSerial: null,
    });

  it('purges events without a tenant past the default retention, and each tenant’s past its own', async function () {
    const policy = defaultTenantPolicy();
    await store.createTenant(
      {
        id: 'p-01',
        name: 'P',
        supportContact: 'desk@example.jp',
        policy: { ...policy, history: { ...policy.history, retentionDays: 10 } },
      },
      NOW,
    );
    const days = policy.history.retentionDays;
    await event(null, days + 1);
    const keptOrphan = await event(null, days - 1);
    await event('p-01', 11);
    const keptTenant = await event('p-01', 9);
    const job = new RetentionJob({
      store,
      clock: new ManualClock(NOW),
      log: createLogger('silent'),
      mailRetentionDays: 30,
    });
    expect(await job.runOnce()).to.include({ loginEvents: 2 });
    const left = (await store.listLoginEvents({})).items.map((e) => e.id);
    expect(left).to.have.members([keptOrphan.id, keptTenant.id]);
  });
});
