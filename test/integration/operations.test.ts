/** Operating Tobira: history retention, and behaviour while the store is unreachable (fault injection). */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { StoreUnavailableError, type Store } from '../../src/store.js';
import { TestBrowser } from '../helpers/browser.js';
import { createClient, createTenant } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const DAY = 86_400_000;

/** The real store, with a switch that makes every call fail as an unreachable database would. */
function withOutageSwitch(store: Store): { store: Store; down: (on: boolean) => void } {
  let isDown = false;
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown; // the target as `this`: stores keep #private state
      if (typeof value !== 'function') return value;
      if (prop === 'close') return (value as () => Promise<void>).bind(target);
      return (...args: unknown[]) =>
        isDown
          ? Promise.reject(new StoreUnavailableError('injected outage'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store: proxy, down: (on) => void (isDown = on) };
}

describe('operations', function () {
  let t: TestTobira;
  let switchable: ReturnType<typeof withOutageSwitch>;
  let dir: string;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-ops-'));
    switchable = withOutageSwitch(await openSqliteStore({ path: path.join(dir, 'ops.db') }));
    t = await startTestTobira({ store: switchable.store });
    await createTenant(t.tobira, 'p-40', { history: { retentionDays: 30 } });
    await createTenant(t.tobira, 'p-41', { history: { retentionDays: 365 } });
  });
  after(async function () {
    switchable.down(false);
    await t?.close();
    await switchable.store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('purges login history past each tenant’s retention and keeps the rest', async function () {
    const now = Date.now();
    const event = (tenantId: string, daysAgo: number) =>
      t.tobira.store.addLoginEvent({
        accountId: `a-${tenantId}`,
        tenantId,
        at: new Date(now - daysAgo * DAY),
        sourceIp: '192.0.2.1',
        result: 'success',
        clientId: null,
        userAgent: null,
        certSerial: null,
      });
    await event('p-40', 31);
    await event('p-40', 29);
    await event('p-41', 200);
    const report = await t.tobira.retention.runOnce();
    expect(report.loginEvents).to.equal(1);
    expect((await t.tobira.store.listLoginEvents({ tenantId: 'p-40' })).total).to.equal(1);
    expect((await t.tobira.store.listLoginEvents({ tenantId: 'p-41' })).total).to.equal(1);
  });

  it('answers 503 (page, JSON, readiness) while the store is down, and recovers when it is back', async function () {
    const client = await createClient(t.tobira, {
      tenantId: 'p-40',
      redirectUri: 'https://rp.example.test/cb',
    });
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      switchable.down(true);
      const ready = await browser.request(`${t.url}/readyz`, { headers: { accept: 'application/json' } });
      expect(ready.status).to.equal(503);
      expect(JSON.parse(ready.text)).to.deep.include({ status: 'unavailable' });
      const start = await rp.start();
      const page = await browser.request(start.url);
      expect(page.status).to.equal(503);
      expect(page.text).to.include('ただいまサービスを利用できません');
      expect(page.headers['content-security-policy'], 'error pages keep the security headers').to.include(
        "frame-ancestors 'none'",
      );
      const crl = await browser.request(`${t.url}/ca/crl.der`, { headers: { accept: 'application/json' } });
      expect(crl.status).to.equal(503);
      expect(JSON.parse(crl.text)).to.deep.equal({ error: 'store_unavailable' });
      expect(crl.headers['retry-after']).to.equal('5');
      // No metrics token configured: a scraper on this host may read, and a dead store is a sample, not an error.
      const metrics = await browser.request(`${t.url}/metrics`);
      expect(metrics.status).to.equal(200);
      expect(metrics.text).to.match(/^tobira_store_up\{store="sqlite"\} 0$/m);
      expect(metrics.text).to.not.match(/^tobira_mail_outbox\{/m);

      switchable.down(false);
      expect((await browser.request(`${t.url}/readyz`)).status).to.equal(200);
      expect((await browser.request(`${t.url}/metrics`)).text).to.match(
        /^tobira_store_up\{store="sqlite"\} 1$/m,
      );
      const again = await browser.follow((await rp.start()).url, t.url);
      expect(again.status, 'the certificate page, as normal').to.equal(403);
      expect(again.text).to.include('電子証明書が提示されませんでした');
    } finally {
      switchable.down(false);
      browser.close();
    }
  });
});
