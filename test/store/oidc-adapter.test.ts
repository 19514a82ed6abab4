/** The oidc-provider Adapter over a real (SQLite) store, directly and through oidc-provider itself. */
import { expect } from 'chai';
import Provider, { errors } from 'oidc-provider';
import { createOidcAdapterFactory, UnsupportedAdapterOperationError } from '../../adapters/oidc-adapter.js';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { ManualClock } from '../../src/clock.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import type { Store } from '../../src/store.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

describe('oidc-provider adapter over the store', function () {
  let store: Store;
  let clock: ManualClock;
  let adapter: ReturnType<typeof createOidcAdapterFactory>;

  beforeEach(async function () {
    store = await openSqliteStore({ path: ':memory:' });
    clock = new ManualClock(T0);
    adapter = createOidcAdapterFactory(store, clock);
  });
  afterEach(() => store.close());

  it('upserts and finds an artifact until it expires by the clock', async function () {
    const sessions = adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a1' }, 60);
    expect(await sessions.find('s1')).to.deep.equal({ uid: 'u1', accountId: 'a1' });
    expect(await adapter('Interaction').find('s1'), 'each model on its own').to.equal(undefined);
    clock.advance(60_000);
    expect(await sessions.find('s1')).to.equal(undefined);
  });

  it('finds a session by uid and a device code by user code', async function () {
    await adapter('Session').upsert('s1', { uid: 'u1', accountId: 'a1' }, 60);
    await adapter('DeviceCode').upsert('d1', { userCode: 'WDJB-MJHT', grantId: 'g1' }, 600);
    expect(await adapter('Session').findByUid('u1')).to.include({ accountId: 'a1' });
    expect(await adapter('Session').findByUid('u2')).to.equal(undefined);
    expect(await adapter('DeviceCode').findByUserCode('WDJB-MJHT')).to.include({ grantId: 'g1' });
    expect(await adapter('DeviceCode').findByUserCode('XXXX-XXXX')).to.equal(undefined);
  });

  it('marks an artifact consumed at the clock’s time and destroys it', async function () {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', accountId: 'a1' }, 60);
    clock.advance(5_500);
    await codes.consume('c1');
    expect((await codes.find('c1'))!.consumed).to.equal(epochSeconds(clock.now()));
    await codes.destroy('c1');
    expect(await codes.find('c1')).to.equal(undefined);
  });

  it('lets one of two redemptions of a code in flight at once through; the other gets invalid_grant and revokes the grant', async function () {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', accountId: 'a1' }, 60);
    // Both read it unconsumed, as two token requests past oidc-provider's own check do.
    const [first, second] = await Promise.all([codes.find('c1'), codes.find('c1')]);
    expect([first!.consumed, second!.consumed]).to.deep.equal([undefined, undefined]);
    await codes.consume('c1');
    await adapter('AccessToken').upsert('at1', { grantId: 'g1' }, 60);
    const lost = await codes.consume('c1').then(
      () => null,
      (error: unknown) => error,
    );
    expect(lost).to.be.instanceOf(errors.InvalidGrant);
    expect(await adapter('AccessToken').find('at1'), 'the first redemption’s token').to.equal(undefined);
  });

  it('revokes a grant’s artifacts across models from any model’s adapter', async function () {
    await adapter('AccessToken').upsert('at1', { grantId: 'g1' }, 60);
    await adapter('RefreshToken').upsert('rt1', { grantId: 'g1' }, 3600);
    await adapter('AccessToken').upsert('at2', { grantId: 'g2' }, 60);
    await adapter('AccessToken').revokeByGrantId('g1');
    expect(await adapter('AccessToken').find('at1')).to.equal(undefined);
    expect(await adapter('RefreshToken').find('rt1')).to.equal(undefined);
    expect(await adapter('AccessToken').find('at2')).to.deep.equal({ grantId: 'g2' });
  });

  describe('the Client model', function () {
    beforeEach(async function () {
      await store.createTenant(
        { id: 'p-01', name: 'P', supportContact: 'desk', policy: defaultTenantPolicy() },
        T0,
      );
      await store.createClient(
        {
          clientId: 'rp1',
          tenantId: 'p-01',
          metadata: { client_secret: 'a-long-enough-secret', redirect_uris: ['https://rp.example/cb'] },
          firstParty: false,
        },
        T0,
      );
    });

    it('reads client metadata from the client records, with client_id set', async function () {
      expect(await adapter('Client').find('rp1')).to.deep.equal({
        client_id: 'rp1',
        client_secret: 'a-long-enough-secret',
        redirect_uris: ['https://rp.example/cb'],
      });
      expect(await adapter('Client').find('nope')).to.equal(undefined);
      expect(await store.oidcFind('Client', 'rp1', T0), 'never stored as an artifact').to.equal(null);
    });

    it('refuses to write clients', async function () {
      for (const write of [
        () => adapter('Client').upsert('rp2', { client_id: 'rp2' }, 60),
        () => adapter('Client').destroy('rp1'),
      ]) {
        const error = await write().catch((e: unknown) => e);
        expect(error)
          .to.be.instanceOf(UnsupportedAdapterOperationError)
          .with.property('code', 'unsupported_adapter_operation');
      }
      expect(await store.getClient('rp1')).to.not.equal(null);
    });

    it('serves oidc-provider itself: clients found, artifacts saved and found through its models', async function () {
      const provider = new Provider('https://tobira.example', {
        adapter: createOidcAdapterFactory(store, clock),
        features: { devInteractions: { enabled: false } },
        ttl: { Grant: 3600, AccessToken: 600 },
      });
      const client = (await provider.Client.find('rp1'))!;
      expect(client.clientId).to.equal('rp1');
      expect(client.redirectUris).to.deep.equal(['https://rp.example/cb']);
      expect(await provider.Client.find('nope')).to.equal(undefined);

      const grant = new provider.Grant({ accountId: 'a1', clientId: 'rp1' });
      grant.addOIDCScope('openid');
      const grantId = await grant.save();
      const token = new provider.AccessToken({
        accountId: 'a1',
        client,
        grantId,
        gty: 'authorization_code',
        scope: 'openid',
      });
      const value = await token.save();
      expect((await provider.AccessToken.find(value))?.accountId).to.equal('a1');
      await provider.AccessToken.revokeByGrantId(grantId);
      expect(await provider.AccessToken.find(value)).to.equal(undefined);
      expect(
        (await provider.Grant.find(grantId))?.accountId,
        'the grant itself is not an artifact of itself',
      ).to.equal('a1');
    });
  });
});
