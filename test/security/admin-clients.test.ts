/**
 * Relying-party registration through the admin API: only safe redirect URIs, no reserved client IDs,
 * and client IDs in the tenant's own namespace, so a conflict never reveals another tenant's client.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
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

  describe('client authentication, PKCE and logout URIs', function () {
    const ecJwk = () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { pub: publicKey.export({ format: 'jwk' }), priv: privateKey.export({ format: 'jwk' }) };
    };
    const refusedWith = async (body: Record<string, unknown>, code: string, field?: string) => {
      const res = await register({ redirectUris: ['https://rp.example.jp/cb'], ...body });
      expect(res.status, code).to.equal(400);
      expect(res.body.details, code).to.include({ code, ...(field ? { field } : {}) });
    };

    it('registers post-logout URIs, PKCE off and private_key_jwt, showing them (no secret)', async function () {
      const { pub } = ecJwk();
      const res = await register({
        redirectUris: ['https://rp.example.jp/cb'],
        postLogoutRedirectUris: ['https://rp.example.jp/bye'],
        pkceRequired: false,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [pub] },
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.not.have.property('clientSecret');
      expect(res.body).to.deep.include({
        postLogoutRedirectUris: ['https://rp.example.jp/bye'],
        pkceRequired: false,
        tokenEndpointAuthMethod: 'private_key_jwt',
        certificateBoundAccessTokens: false,
      });
      const stored = (await a.t.tobira.store.getClient(res.body.clientId))!.metadata;
      expect(stored).to.include({
        tobira_pkce_required: false,
        token_endpoint_auth_method: 'private_key_jwt',
      });
      expect(stored).to.not.have.property('client_secret');

      const basic = await register({ redirectUris: ['https://rp.example.jp/cb'] });
      expect(basic.body).to.include({ tokenEndpointAuthMethod: 'client_secret_basic', pkceRequired: true });
      expect(basic.body.clientSecret).to.be.a('string');
    });

    it('refuses what cannot work, with a 400 and a stable code', async function () {
      const { pub, priv } = ecJwk();
      await refusedWith(
        { postLogoutRedirectUris: ['javascript:alert(1)'] },
        'client.invalid_post_logout_redirect_uri',
        'postLogoutRedirectUris.0',
      );
      await refusedWith(
        { tokenEndpointAuthMethod: 'none', pkceRequired: false },
        'client.pkce_required',
        'pkceRequired',
      );
      await refusedWith(
        {
          tokenEndpointAuthMethod: 'tls_client_auth',
          tlsClientAuth: { property: 'tls_client_auth_san_dns', value: 'rp.example.jp' },
        },
        'client.auth_method_unavailable',
      );
      await refusedWith({ tokenEndpointAuthMethod: 'private_key_jwt' }, 'client.key_set_required');
      await refusedWith({ jwks: { keys: [pub] } }, 'client.key_set_unexpected');
      await refusedWith(
        { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [priv] } },
        'client.invalid_jwks',
        'jwks.keys.0',
      );
      await refusedWith(
        {
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA' }] },
        },
        'client.invalid_jwks',
      );
      await refusedWith(
        { tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwks: { keys: [pub] } },
        'client.invalid_jwks',
      );
      await refusedWith(
        { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'http://rp.example.jp/jwks' },
        'client.invalid_jwks_uri',
        'jwksUri',
      );
      await refusedWith(
        { tlsClientAuth: { property: 'tls_client_auth_san_dns', value: 'rp.example.jp' } },
        'client.tls_subject_unexpected',
      );
      const bad = await register({
        redirectUris: ['https://rp.example.jp/cb'],
        tokenEndpointAuthMethod: 'client_secret_jwt',
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.error).to.equal('invalid_request');
    });

    it('documents the new fields in the OpenAPI document', async function () {
      const doc = await a.api('get', '/openapi.json');
      const schema =
        doc.body.paths['/admin/v1/tenants/{id}/clients'].post.requestBody.content['application/json'].schema;
      expect(schema.properties).to.include.keys(
        'postLogoutRedirectUris',
        'tokenEndpointAuthMethod',
        'pkceRequired',
        'jwks',
        'jwksUri',
        'tlsClientAuth',
        'certificateBoundAccessTokens',
      );
      expect(schema.properties.tokenEndpointAuthMethod.enum).to.include('tls_client_auth');
    });
  });
});
