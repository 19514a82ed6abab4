/**
 * The request cache's records kept across requests (src/store/request-cache.ts) over a real SQLite file,
 * with the call counter underneath: a token request's five records are read once and then only the
 * security epoch, and every change made by another connection to the same database (as the CLI or
 * another worker would) or by this process reaches the very next request.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import type { Certificate } from '../../src/domain.js';
import type { Store } from '../../src/store.js';
import { countedCalls, storeCallMetric } from '../../src/store/instrumented.js';
import { RequestCache } from '../../src/store/request-cache.js';
import { inRequest, storeCalls } from './request-scope.js';
import { fixtures } from './contract/context.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const EXP = T0.getTime() / 1000 + 600;

describe('store records kept across requests', function () {
  let dir: string;
  let raw: Store;
  /** Another connection to the same database: the CLI, another worker or node. */
  let other: Store;
  let store: Store;
  let cache: RequestCache;
  let registry: Registry;
  let certificate: Certificate;
  let accountId: string;

  const request = <T>(fn: () => Promise<T>): Promise<T> => inRequest(cache, fn);
  const calls = (method: string): Promise<number> => storeCalls(registry, method);
  /** What a userinfo request reads: the token, its client, grant, session binding and certificate. */
  const tokenRequest = (now = T0) =>
    request(async () => ({
      token: await store.oidcFind('AccessToken', 'at1', now),
      client: await store.getClient('c1'),
      grant: await store.oidcFind('Grant', 'g1', now),
      binding: await store.getState('TobiraSessionCertificate', 's1', now),
      standing: await store.findCertificateStanding(certificate.fingerprintS256),
    }));

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-kept-'));
    raw = await openSqliteStore({ path: path.join(dir, 'tobira.db') });
    other = await openSqliteStore({ path: path.join(dir, 'tobira.db') });
    registry = new Registry();
    cache = new RequestCache();
    store = cache.wrap(raw, countedCalls(storeCallMetric(registry)));
    const f = fixtures(raw);
    const { tenant, account, terminal } = await f.owner();
    accountId = account.id;
    certificate = await f.issue(account.id, terminal.id);
    await raw.createClient(
      {
        clientId: 'c1',
        tenantId: tenant.id,
        metadata: { redirect_uris: ['https://rp/cb'] },
        firstParty: false,
      },
      T0,
    );
    await raw.oidcUpsert('AccessToken', 'at1', { grantId: 'g1', exp: EXP }, 600, T0);
    await raw.oidcUpsert('Grant', 'g1', { exp: EXP }, 600, T0);
    await raw.putState('TobiraSessionCertificate', 's1', { certFingerprint: 'f', exp: EXP }, 600, T0);
  });
  afterEach(async function () {
    await Promise.all([raw.close(), other.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a token request’s records once, then only the security epoch per request', async function () {
    const first = await tokenRequest();
    for (let i = 0; i < 3; i += 1) expect(await tokenRequest()).to.deep.equal(first);
    for (const method of ['oidcFind', 'getClient', 'getState', 'findCertificateStanding'])
      expect(await calls(method), method).to.equal(method === 'oidcFind' ? 2 : 1);
    expect(await calls('getSecurityEpoch'), 'one epoch read per request').to.equal(4);
  });

  it('sees every change another connection makes on the very next request', async function () {
    const changes: [
      string,
      () => Promise<unknown>,
      (r: Awaited<ReturnType<typeof tokenRequest>>) => unknown,
    ][] = [
      [
        'certificate revoked',
        () => other.revokeCertificate(certificate.serial, 'keyCompromise', T0),
        (r) => r.standing?.certificate.status,
      ],
      ['account locked', () => other.lockAccount(accountId, 'admin', T0), (r) => r.standing?.account?.status],
      [
        'client changed',
        () => other.updateClient('c1', { redirect_uris: ['https://rp/other'] }, T0),
        (r) => r.client?.metadata,
      ],
      ['token consumed', () => other.oidcConsume('AccessToken', 'at1', T0), (r) => r.token?.consumed],
      ['grant destroyed', () => other.oidcDestroy('Grant', 'g1'), (r) => r.grant],
      ['binding deleted', () => other.deleteState('TobiraSessionCertificate', 's1'), (r) => r.binding],
      ['client deleted', () => other.deleteClient('c1'), (r) => r.client],
      ['account deleted', () => other.deleteAccount(accountId, T0), (r) => r.standing?.account ?? null],
    ];
    for (const [name, change, seen] of changes) {
      const before = seen(await tokenRequest());
      await change();
      expect(seen(await tokenRequest()), name).to.not.deep.equal(before);
    }
  });

  it('reads a kept standing again past its backstop age, even when the epoch failed to move', async function () {
    cache = new RequestCache({ keptMaxMs: 300 });
    store = cache.wrap(raw);
    expect((await tokenRequest()).standing?.certificate.status).to.equal('active');
    // A revocation whose epoch bump was lost (MongoDB: a crash between the write and its bump).
    const db = new Database(path.join(dir, 'tobira.db'));
    db.exec(`UPDATE certificates SET status = 'revoked' WHERE serial = '${certificate.serial}';
      UPDATE security_epoch SET value = value - 1 WHERE id = 1;`);
    db.close();
    expect((await tokenRequest()).standing?.certificate.status, 'kept: the epoch stood still').to.equal(
      'active',
    );
    await sleep(350);
    expect((await tokenRequest()).standing?.certificate.status, 'past the backstop').to.equal('revoked');
  });

  it('sees a change this process makes, later in the same request too', async function () {
    await tokenRequest();
    await request(async () => {
      const standing = () => store.findCertificateStanding(certificate.fingerprintS256);
      expect((await standing())?.certificate.status).to.equal('active');
      await store.revokeCertificate(certificate.serial, 'keyCompromise', T0);
      expect((await standing())?.certificate.status).to.equal('revoked');
    });
    expect((await tokenRequest()).standing?.certificate.status).to.equal('revoked');
  });

  it('keeps the records through a login’s counter writes, here and by another connection, not through a lock', async function () {
    await tokenRequest();
    const reads = async () =>
      (await calls('findCertificateStanding')) + (await calls('oidcFind')) + (await calls('getClient'));
    const kept = await reads();
    for (const write of [store, other]) {
      await request(() => write.reserveAttempt(accountId, 'password', 5, T0));
      await request(() => write.resetCounter(accountId, 'password', T0));
      await request(() => write.advanceTotpStep(accountId, 9, T0));
      expect((await tokenRequest()).standing?.account?.status).to.equal('active');
    }
    expect(await reads(), 'nothing read again after the counters moved').to.equal(kept);
    await request(() => store.reserveAttempt(accountId, 'password', 5, T0));
    await other.lockAccount(accountId, 'password', T0);
    expect((await tokenRequest()).standing?.account?.status).to.equal('locked');
  });

  it('drops a kept session under every uid it was found by when this process saves or destroys it', async function () {
    const session = (jti: string, n: number) => ({ jti, uid: 'u1', n, exp: EXP });
    await raw.oidcUpsert('Session', 's1', session('s1', 1), 600, T0);
    const byUid = () => store.oidcFindByUid('Session', 'u1', T0);
    await request(byUid);
    expect(await request(byUid)).to.include({ n: 1 });
    // A login saves its session again (its uid names it); the same request then reads it by uid.
    const saved = await request(async () => {
      await byUid();
      await store.oidcUpsert('Session', 's1', session('s1', 2), 600, T0);
      return byUid();
    });
    expect(saved).to.include({ n: 2 });
    expect(await request(byUid)).to.include({ n: 2 });
    const destroyed = await request(async () => {
      await byUid();
      await store.oidcDestroy('Session', 's1');
      return byUid();
    });
    expect(destroyed).to.equal(null);
  });

  it('keeps the other records through a new session saved in this process', async function () {
    await tokenRequest();
    const before = await calls('findCertificateStanding');
    await request(() => store.oidcUpsert('Session', 's9', { jti: 's9', uid: 'u9', exp: EXP }, 600, T0));
    await tokenRequest();
    expect(await calls('findCertificateStanding')).to.equal(before);
  });

  it('answers a refresh token of an id this request found as an access token without a read, nothing else', async function () {
    await tokenRequest();
    await raw.oidcUpsert('RefreshToken', 'rt1', { grantId: 'g1', exp: EXP }, 600, T0);
    const before = await calls('oidcFind');
    const found = await request(async () => ({
      access: await store.oidcFind('AccessToken', 'at1', T0),
      refresh: await store.oidcFind('RefreshToken', 'at1', T0),
      other: await store.oidcFind('RefreshToken', 'rt1', T0),
    }));
    expect(found.access).to.include({ grantId: 'g1' });
    expect(found.refresh).to.equal(null);
    expect(found.other).to.include({ grantId: 'g1' });
    expect(await calls('oidcFind'), 'one read: the other refresh token').to.equal(before + 1);
    // Without the access token found first, the refresh token is read (and misses).
    expect(await request(() => store.oidcFind('RefreshToken', 'at1', T0))).to.equal(null);
    expect(await calls('oidcFind')).to.equal(before + 2);
  });

  it('answers a request’s first kept record at once when SQLite answers the epoch at once, and still sees another connection’s change', async function () {
    await tokenRequest();
    const settledAtOnce = () =>
      request(async () => {
        let settled = false;
        void store.oidcFind('AccessToken', 'at1', T0).then(() => (settled = true));
        await Promise.resolve(); // one turn of the microtask queue: an answer with no promise step of its own
        return settled;
      });
    expect(await settledAtOnce(), 'the epoch read and the kept token in the same turn').to.equal(true);
    await other.oidcDestroy('AccessToken', 'at1');
    expect(await request(() => store.oidcFind('AccessToken', 'at1', T0))).to.equal(null);
  });

  it('never keeps a miss', async function () {
    expect(await request(() => store.oidcFind('AccessToken', 'at2', T0))).to.equal(null);
    await other.oidcUpsert('AccessToken', 'at2', { exp: EXP }, 600, T0);
    expect(await request(() => store.oidcFind('AccessToken', 'at2', T0))).to.deep.equal({ exp: EXP });
  });

  it('checks an artifact’s expiry against the request’s clock on every use', async function () {
    expect((await tokenRequest()).token).to.not.equal(null);
    const later = new Date(EXP * 1000);
    const { token, grant, binding } = await tokenRequest(later);
    expect([token, grant, binding]).to.deep.equal([null, null, null]);
  });

  it('hands out a kept standing and client frozen: neither can alter what is kept', async function () {
    await tokenRequest();
    const { client, standing } = await tokenRequest();
    expect(() => ((standing!.account as { status: string }).status = 'locked')).to.throw(TypeError);
    expect(() => ((client!.metadata as { x?: number }).x = 1)).to.throw(TypeError);
    const again = await tokenRequest();
    expect(again.standing?.account?.status).to.equal('active');
    expect(again.client?.metadata).to.not.have.property('x');
  });

  it('hands out a kept record with no object in it frozen: no request can alter what is kept', async function () {
    for (let i = 0; i < 2; i += 1)
      await request(async () => {
        const token = (await store.oidcFind('AccessToken', 'at1', T0))!;
        expect(Object.isFrozen(token)).to.equal(true);
        expect(() => (token.grantId = 'changed')).to.throw(TypeError);
      });
    expect((await tokenRequest()).token).to.have.property('grantId', 'g1');
  });

  it('gives every request its own copy of a kept record with objects in it', async function () {
    await raw.oidcUpsert('Grant', 'g2', { exp: EXP, openid: { scope: 'openid' } }, 600, T0);
    const read = () => request(() => store.oidcFind('Grant', 'g2', T0));
    for (let i = 0; i < 2; i += 1) {
      const grant = (await read()) as { openid: { scope: string }; exp: number };
      expect(Object.isFrozen(grant)).to.equal(false);
      grant.openid.scope = 'changed';
      grant.exp = 0;
    }
    expect(await read()).to.deep.equal({ exp: EXP, openid: { scope: 'openid' } });
  });

  it('copies a kept record’s nested objects too, and keeps a parsed __proto__ key a plain field', async function () {
    const payload = JSON.parse(
      `{"exp":${EXP},"claims":{"userinfo":{"email":null}},"scopes":["openid"],"__proto__":{"polluted":true}}`,
    ) as Record<string, unknown>;
    await raw.oidcUpsert('AccessToken', 'at3', payload as never, 600, T0);
    const read = () => request(() => store.oidcFind('AccessToken', 'at3', T0));
    // The first read keeps the record, the second is answered from it: neither copy reaches it.
    for (let i = 0; i < 2; i += 1) {
      const copy = (await read()) as { claims: { userinfo: Record<string, unknown> }; scopes: string[] };
      copy.claims.userinfo.email = 'changed';
      copy.scopes.push('changed');
      (copy as unknown as { __proto__: Record<string, unknown> }).__proto__.polluted = 'changed';
    }
    const again = (await read()) as Record<string, unknown>;
    expect(again).to.deep.include({ claims: { userinfo: { email: null } }, scopes: ['openid'] });
    expect(Object.getPrototypeOf(again)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(again, '__proto__')?.value).to.deep.equal({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
