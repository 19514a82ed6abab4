/**
 * Relying-party registration through the admin API: only safe redirect URIs, no reserved client IDs,
 * and client IDs in the tenant's own namespace, so a conflict never reveals another tenant's client.
 */
import { expect } from 'chai';
import { createClient, createTenant } from '../helpers/fixtures.js';
import { startAdminTobira, type AdminTobira } from './admin-kit.js';

describe('security: admin API client registration', function () {
  let a: AdminTobira;
  const register = (body: Record<string, unknown>, tenant = 'p-30', key?: string) =>
    a.api('post', `/tenants/${tenant}/clients`, key).send({ name: 'RP', ...body });

  before(async function () {
    a = await startAdminTobira();
    await createTenant(a.t.tobira, 'p-30');
    await createTenant(a.t.tobira, 'p-31');
  });
  after(async () => a?.close());

  it('refuses dangerous or non-https redirect URIs with a 400 and a stable code, storing nothing', async function () {
    for (const [uri, problem] of [
      ['javascript:alert(document.cookie)', 'scheme'],
      ['data:text/html,<script>alert(1)</script>', 'scheme'],
      ['mailto:victim@example.jp', 'scheme'],
      ['file:///etc/passwd', 'scheme'],
      ['custom-app://callback', 'scheme'],
      ['http://rp.example.jp/cb', 'scheme'],
      ['http://127.0.0.1.evil.example/cb', 'scheme'],
      ['https://rp.example.jp/cb#fragment', 'fragment'],
      ['https://rp.example.jp/cb#', 'fragment'],
      ['https://user:secret@rp.example.jp/cb', 'credentials'],
      ['/relative/cb', 'not_a_url'],
    ] as const) {
      const res = await register({ redirectUris: ['https://rp.example.jp/ok', uri] });
      expect(res.status, uri).to.equal(400);
      expect(res.body, uri).to.deep.include({ error: 'invalid_request' });
      expect(res.body.details, uri).to.deep.equal({
        code: 'client.invalid_redirect_uri',
        field: 'redirectUris.1',
        problem,
      });
      expect(res.body.message, uri).to.match(/^redirect URI /);
    }
    expect(await a.t.tobira.store.listClients('p-30')).to.deep.equal([]);
  });

  it('accepts https anywhere and plain http on loopback only (127.0.0.1, [::1], localhost)', async function () {
    const uris = [
      'https://rp.example.jp/cb',
      'http://127.0.0.1:8080/cb',
      'http://[::1]:8080/cb',
      'http://localhost:3000/cb',
    ];
    const res = await register({ redirectUris: uris });
    expect(res.status).to.equal(201);
    expect(res.body.redirectUris).to.deep.equal(uris);
    expect(res.body.clientId).to.match(/^p-30-[a-z0-9_-]+$/);
  });

  it('refuses the reserved built-in client ID tobira-account, even in a namespace that would hold it', async function () {
    await createTenant(a.t.tobira, 'tobira');
    const res = await register(
      { clientId: 'tobira-account', redirectUris: ['https://x.example.jp/cb'] },
      'tobira',
    );
    expect(res.status).to.equal(400);
    expect(res.body.details).to.deep.include({ code: 'client.reserved_id' });
    expect(await a.t.tobira.store.getClient('tobira-account')).to.equal(null);
  });

  it('gives a tenant key the same answer for another tenant’s existing client ID as for an unused one', async function () {
    await createClient(a.t.tobira, {
      tenantId: 'p-31',
      redirectUri: 'https://b.example.jp/cb',
      clientId: 'p-31-web',
    });
    await createClient(a.t.tobira, {
      tenantId: 'p-31',
      redirectUri: 'https://b.example.jp/cb',
      clientId: 'legacy-rp',
    });
    const key = await a.tenantKey('p-30');
    const answer = async (clientId: string) => {
      const res = await register({ clientId, redirectUris: ['https://a.example.jp/cb'] }, 'p-30', key);
      return { status: res.status, body: JSON.stringify(res.body).replaceAll(clientId, '<id>') };
    };
    for (const [existing, unused] of [
      ['p-31-web', 'p-31-nothing'],
      ['legacy-rp', 'unused-rp'],
    ]) {
      const seen = await answer(existing!);
      expect(seen, existing).to.deep.equal(await answer(unused!));
      expect(seen.status).to.equal(400);
      expect(JSON.parse(seen.body).details).to.deep.include({ code: 'client.id_outside_namespace' });
    }
    const own = await register(
      { clientId: 'p-30-shop', redirectUris: ['https://a.example.jp/cb'] },
      'p-30',
      key,
    );
    expect(own.status, 'its own namespace, as before').to.equal(201);
    const again = await register(
      { clientId: 'p-30-shop', redirectUris: ['https://a.example.jp/cb'] },
      'p-30',
      key,
    );
    expect(again.status, 'a conflict only ever names the tenant’s own client').to.equal(409);
  });

  it('keeps every registration path (CLI, fixtures) out of other tenants’ namespaces', async function () {
    let refused: unknown;
    try {
      await createClient(a.t.tobira, {
        tenantId: 'p-30',
        redirectUri: 'https://a.example.jp/cb',
        clientId: 'p-31-x',
      });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.have.property('code', 'client.id_other_tenant');
  });
});
