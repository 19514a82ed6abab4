/**
 * The request-scoped read cache over a real SQLite store, with the call counter underneath: each record
 * read once per request, a request reads its own writes, and nothing is cached outside a request.
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import type { Store } from '../../src/store.js';
import { countedCalls, storeCallKind, storeCallMetric } from '../../src/store/instrumented.js';
import { RequestCache } from '../../src/store/request-cache.js';
import { inRequest, storeCalls } from './request-scope.js';
import { fixtures } from './contract/context.js';

const T0 = new Date('2026-01-01T00:00:00Z');

describe('request-scoped store reads', function () {
  let raw: Store;
  let store: Store;
  let cache: RequestCache;
  let registry: Registry;

  const request = <T>(fn: () => Promise<T>): Promise<T> => inRequest(cache, fn);
  const calls = (method: string): Promise<number> => storeCalls(registry, method);

  beforeEach(async function () {
    raw = await openSqliteStore({ path: ':memory:' });
    registry = new Registry();
    cache = new RequestCache();
    store = cache.wrap(raw, countedCalls(storeCallMetric(registry)));
    await raw.createTenant(
      { id: 'p-10', name: 'P10', supportContact: 's@example.jp', policy: defaultTenantPolicy() },
      T0,
    );
    await raw.createAccount(
      { id: 'a1', tenantId: 'p-10', userId: 'p-10-u1', status: 'active', loginMethod: 'password' },
      T0,
    );
  });
  afterEach(async function () {
    await raw.close();
  });

  it('names reads and writes by the role method', function () {
    expect(
      ['getAccount', 'listTerminals', 'findAccounts', 'countRateLimit', 'oidcFindByUid', 'getState'].map(
        storeCallKind,
      ),
    ).to.deep.equal(Array(6).fill('read'));
    expect(
      ['putState', 'reserveAttempt', 'hitRateLimits', 'oidcUpsert', 'commitWork'].map(storeCallKind),
    ).to.deep.equal(Array(5).fill('write'));
  });

  it('reads a record once per request, and again in the next request', async function () {
    for (let i = 0; i < 2; i += 1)
      await request(async () => {
        const [a, b] = await Promise.all([store.getAccount('a1'), store.getAccount('a1')]);
        expect((await store.getAccount('a1'))?.userId).to.equal('p-10-u1');
        expect(a).to.deep.equal(b);
        expect(await store.getTenant('p-10')).to.have.property('name', 'P10');
      });
    expect(await calls('getAccount'), 'one read per request').to.equal(2);
    expect(await calls('getTenant')).to.equal(2);
  });

  it('gives every reader its own copy', async function () {
    await request(async () => {
      const first = (await store.getAccount('a1'))!;
      first.userId = 'changed';
      expect((await store.getAccount('a1'))?.userId).to.equal('p-10-u1');
    });
  });

  it('reads its own writes: a write drops the records of what it changes', async function () {
    await request(async () => {
      expect((await store.getAccount('a1'))?.failedPasswordCount).to.equal(0);
      await store.reserveAttempt('a1', 'password', 5, T0);
      expect((await store.getAccount('a1'))?.failedPasswordCount).to.equal(1);
      await store.lockAccount('a1', 'password', T0);
      expect((await store.getAccount('a1'))?.status).to.equal('locked');
    });
    expect(await calls('getAccount')).to.equal(3);
  });

  it('drops a certificate’s standing when its certificate, account or tenant changes', async function () {
    const f = fixtures(raw);
    const { account, terminal } = await f.owner();
    const certificate = await f.issue(account.id, terminal.id);
    const standing = () => store.findCertificateStanding(certificate.fingerprintS256);
    await request(async () => {
      expect((await standing())?.certificate.status).to.equal('active');
      expect((await standing())?.account?.status).to.equal('active');
      await store.lockAccount(account.id, 'password', T0);
      expect((await standing())?.account?.status, 'after a lock').to.equal('locked');
      await store.revokeCertificate(certificate.serial, 'keyCompromise', T0);
      expect((await standing())?.certificate.status, 'after a revocation').to.equal('revoked');
    });
    expect(await calls('findCertificateStanding')).to.equal(3);
  });

  it('keeps records of other kinds and models across a write', async function () {
    await request(async () => {
      await store.putState('KindA', 'x', { v: 1 }, 60, T0);
      await store.putState('KindB', 'y', { v: 1 }, 60, T0);
      expect(await store.getState('KindA', 'x', T0)).to.deep.equal({ v: 1 });
      await store.getTenant('p-10');
      await store.putState('KindB', 'y', { v: 2 }, 60, T0);
      await store.hitRateLimits(
        [{ key: 'k', expiresAt: new Date(T0.getTime() + 60_000), previousKey: 'j' }],
        T0,
      );
      expect(await store.getState('KindA', 'x', T0), 'another kind').to.deep.equal({ v: 1 });
      expect(await store.getState('KindB', 'y', T0), 'the written kind, read again').to.deep.equal({ v: 2 });
      await store.getTenant('p-10');
      await store.deleteState('KindA', 'x');
      expect(await store.getState('KindA', 'x', T0), 'deleted').to.equal(null);
    });
    expect(await calls('getState')).to.equal(3);
    expect(await calls('getTenant')).to.equal(1);
  });

  it('passes through outside a request and once the request has ended', async function () {
    await store.getAccount('a1');
    await store.getAccount('a1');
    expect(await calls('getAccount'), 'no request').to.equal(2);
    let later: (() => Promise<unknown>) | undefined;
    await request(async () => {
      await store.getAccount('a1');
      later = () => store.getAccount('a1'); // work a request started without waiting for it
    });
    await raw.lockAccount('a1', 'password', T0);
    expect(await later!()).to.have.property('status', 'locked');
    expect(await calls('getAccount')).to.equal(4);
  });

  it('does not remember a failed read', async function () {
    await raw.close();
    await request(async () => {
      for (let i = 0; i < 2; i += 1)
        await store.getAccount('a1').then(
          () => expect.fail('the store is closed'),
          (error: unknown) => expect(error).to.be.an('error'),
        );
    });
    expect(await calls('getAccount')).to.equal(2);
    raw = await openSqliteStore({ path: ':memory:' });
  });
});
