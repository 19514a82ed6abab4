/**
 * Tenant namespaces: tenant `p` must not create IDs in `p-01`'s namespace, and no tenant may be
 * created whose namespace overlaps another's or holds IDs that already exist.
 */
import { expect } from 'chai';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';
import { createClient } from '../helpers/fixtures.js';
import { startAdminTobira, type AdminTobira } from './admin-kit.js';

describe('security: admin API tenant namespaces', function () {
  let a: AdminTobira;
  const tenant = (id: string) => a.api('post', '/tenants').send({ id, name: id, supportContact: 'desk' });
  const account = (tenantId: string, userId: string, key?: string) =>
    a
      .api('post', `/tenants/${tenantId}/accounts`, key)
      .send({ userId, terminals: [{ email: 'n@example.jp' }] });

  before(async function () {
    a = await startAdminTobira();
  });
  after(async () => a?.close());

  it('refuses a tenant whose namespace overlaps an existing tenant’s, in both directions', async function () {
    expect((await tenant('q-01')).status).to.equal(201);
    for (const id of ['q', 'q-01-a']) {
      const res = await tenant(id);
      expect(res.status, id).to.equal(409);
      expect(res.body.details, id).to.deep.equal({ code: 'tenant.namespace_overlap' });
      expect(await a.t.tobira.store.getTenant(id), id).to.equal(null);
    }
    expect((await tenant('q-02')).status, 'siblings do not overlap').to.equal(201);
    expect((await tenant('q0')).status, 'a longer name is not a prefix').to.equal(201);
  });

  it('refuses a tenant whose namespace already holds client IDs', async function () {
    await createClient(a.t.tobira, {
      tenantId: 'q-01',
      redirectUri: 'https://a.example.jp/cb',
      clientId: 'zz-web',
    });
    const res = await tenant('zz');
    expect(res.status).to.equal(409);
    expect(res.body.details).to.deep.equal({ code: 'tenant.namespace_in_use' });
  });

  it('keeps tenant p out of p-01’s user IDs where both exist from before the rule', async function () {
    // Overlapping tenants can only come from data created before the rule: made in the store directly.
    for (const id of ['r', 'r-01'])
      await a.t.tobira.store.createTenant(
        { id, name: id, supportContact: 'desk', policy: parseTenantPolicy({}) },
        new Date(),
      );
    const rKey = await a.tenantKey('r');
    const intruding = await account('r', 'r-01-usr001', rKey);
    expect(intruding.status).to.equal(400);
    expect(intruding.body.details).to.deep.equal({ code: 'enrollment.user_id_other_tenant' });
    expect(await a.t.tobira.store.getAccountByUserId('r-01-usr001')).to.equal(null);
    expect((await account('r', 'r-usr001', rKey)).status, 'its own namespace').to.equal(201);
    expect((await account('r-01', 'r-01-usr001', await a.tenantKey('r-01'))).status).to.equal(201);
  });

  it('refuses user IDs outside the tenant’s namespace with a stable code', async function () {
    for (const userId of ['q-02-usr001', 'usr001', 'q-01', 'q-01-', 'q-01-USR']) {
      const res = await account('q-01', userId);
      expect(res.status, userId).to.equal(400);
      expect(res.body.details, userId).to.deep.equal({ code: 'enrollment.invalid_user_id' });
    }
  });
});
