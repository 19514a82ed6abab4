/**
 * What a relying party can be registered with and send, over real HTTPS: PKCE per client, POST at the
 * authorization and logout endpoints, registered post_logout_redirect_uris, private_key_jwt through
 * openid-client, and a discovery document that advertises exactly the methods that work.
 */
import { expect } from 'chai';
import { webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, clientCreate } from '../../src/cli/admin-commands.js';
import { createHttpsFetch } from '../../src/http/https-fetch.js';
import { REDIRECT, startWorld, type World } from '../helpers/attacker.js';
import { createClient, type TestClient, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';

const LOGGED_OUT = 'https://rp.example.test/logged-out';

describe('relying-party options', function () {
  let w: World;
  let user: TestUser;

  before(async function () {
    w = await startWorld({ tenants: { 'p-r': {} } });
    user = await w.user('p-r');
  });
  after(async function () {
    await w?.close();
  });

  const authorizeUrl = (client: TestClient, extra: Record<string, string> = {}) => {
    const url = new URL('/auth', w.t.url);
    const params = {
      client_id: client.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT,
      state: 's1',
      ...extra,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  };
  const errorOf = (location: string | null) => new URL(location!).searchParams.get('error');

  describe('PKCE per client', function () {
    it('lets a confidential client registered without PKCE sign in without a code_challenge', async function () {
      const client = await createClient(w.t.tobira, {
        tenantId: 'p-r',
        redirectUri: REDIRECT,
        more: { pkceRequired: false },
      });
      const rp = await TestRp.discover(w.t.url, client, w.t.tobira.ca.certificatePem);
      const b = w.browser(user);
      const none = await b.request(authorizeUrl(client, { prompt: 'none' }).href);
      expect(errorOf(none.location), 'prompt=none without a session').to.equal('login_required');
      const page = await b.follow(authorizeUrl(client).href, w.t.url);
      const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
      const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(out.location!), {
        expectedState: 's1',
      });
      expect(tokens.claims()!.sub).to.equal(user.account.id);
    });

    it('requires it of a confidential client by default and of every public client', async function () {
      const confidential = await createClient(w.t.tobira, { tenantId: 'p-r', redirectUri: REDIRECT });
      const pub = await createClient(w.t.tobira, {
        tenantId: 'p-r',
        redirectUri: REDIRECT,
        more: { auth: { method: 'none' } },
      });
      for (const client of [confidential, pub]) {
        const out = await w.browser(user).request(authorizeUrl(client, { prompt: 'none' }).href);
        expect(errorOf(out.location), client.clientId).to.equal('invalid_request');
      }
    });
  });

  describe('POST at the authorization and logout endpoints', function () {
    it('signs in from a POSTed authorization request and logs out through a POSTed logout request', async function () {
      const client = await createClient(w.t.tobira, {
        tenantId: 'p-r',
        redirectUri: REDIRECT,
        more: { postLogoutRedirectUris: [LOGGED_OUT] },
      });
      const rp = await TestRp.discover(w.t.url, client, w.t.tobira.ca.certificatePem);
      const start = await rp.start();
      const b = w.browser(user);
      const url = new URL(start.url);
      const form = Object.fromEntries(url.searchParams);
      // A cross-site form post, as an RP page makes it.
      const page = await b.follow(`${w.t.url}/auth`, w.t.url, {
        form,
        headers: { origin: 'https://rp.example.test' },
      });
      expect(page.status).to.equal(200);
      const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
      const { tokens } = await rp.finish(out.location!, start);

      const confirm = await b.request(`${w.t.url}/session/end`, {
        form: { id_token_hint: tokens.id_token!, post_logout_redirect_uri: LOGGED_OUT, state: 'bye' },
        headers: { origin: 'https://rp.example.test' },
      });
      expect(confirm.status, 'the logout confirmation page').to.equal(200);
      // oidc-provider's own confirmation form (its xsrf field, not Tobira's csrf).
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1]!;
      const logout = await b.request(`${w.t.url}/session/end/confirm`, { form: { xsrf, logout: 'yes' } });
      expect(logout.location).to.equal(`${LOGGED_OUT}?state=bye`);
    });
  });

  describe('post_logout_redirect_uris', function () {
    it('accepts only the registered ones once some are registered (no derived origin)', async function () {
      const client = await createClient(w.t.tobira, {
        tenantId: 'p-r',
        redirectUri: REDIRECT,
        more: { postLogoutRedirectUris: [LOGGED_OUT] },
      });
      const stored = await w.t.tobira.store.getClient(client.clientId);
      expect(stored!.metadata.post_logout_redirect_uris).to.deep.equal([LOGGED_OUT]);
      const derived = new URL('/session/end', w.t.url);
      derived.searchParams.set('client_id', client.clientId);
      derived.searchParams.set('post_logout_redirect_uri', 'https://rp.example.test/');
      expect((await w.browser(user).request(derived.href)).status).to.equal(400);
    });

    it("derives the redirect URIs' origins when none are given", async function () {
      const client = await createClient(w.t.tobira, { tenantId: 'p-r', redirectUri: REDIRECT });
      const stored = await w.t.tobira.store.getClient(client.clientId);
      expect(stored!.metadata.post_logout_redirect_uris).to.deep.equal(['https://rp.example.test/']);
    });
  });

  describe('client authentication', function () {
    it('advertises exactly the methods that can be registered (no client_secret_jwt, no tls_client_auth without CAs)', async function () {
      const fetch = createHttpsFetch({ ca: w.t.tobira.ca.certificatePem });
      const server = (await (await fetch(`${w.t.url}/.well-known/openid-configuration`)).json()) as Record<
        string,
        unknown
      >;
      const methods = [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'self_signed_tls_client_auth',
        'none',
      ];
      for (const key of [
        'token_endpoint_auth_methods_supported',
        'introspection_endpoint_auth_methods_supported',
        'revocation_endpoint_auth_methods_supported',
      ])
        expect(server[key], key).to.have.members(methods);
      expect(server.token_endpoint_auth_signing_alg_values_supported).to.not.include('HS256');
    });

    it('signs in a private_key_jwt client through openid-client, and refuses another key', async function () {
      const alg = { name: 'ECDSA', namedCurve: 'P-256' };
      const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const other = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const jwk = {
        ...(await webcrypto.subtle.exportKey('jwk', keys.publicKey)),
        kid: 'rp-1',
        alg: 'ES256',
        use: 'sig',
      };
      const client = await createClient(w.t.tobira, {
        tenantId: 'p-r',
        redirectUri: REDIRECT,
        more: { auth: { method: 'private_key_jwt', jwks: { keys: [jwk as Record<string, unknown>] } } },
      });
      expect(client.clientSecret, 'no secret for a key-set client').to.equal('');
      const ca = w.t.tobira.ca.certificatePem;
      const rp = await TestRp.discover(w.t.url, client, ca, {
        auth: oidc.PrivateKeyJwt({ key: keys.privateKey, kid: 'rp-1' }),
      });
      const b = w.browser(user);
      const { start, page } = await w.openLogin(b, rp);
      const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
      const { claims } = await rp.finish(out.location!, start);
      expect(claims.sub).to.equal(user.account.id);

      const impostor = await TestRp.discover(w.t.url, client, ca, {
        auth: oidc.PrivateKeyJwt({ key: other.privateKey, kid: 'rp-1' }),
      });
      const again = await w.openLogin(w.browser(user), impostor);
      const b2 = w.browser(user);
      const page2 = await b2.follow(again.start.url, w.t.url);
      const out2 = await w.submit(b2, page2, { userId: user.account.userId, password: user.password });
      let error: unknown;
      try {
        await impostor.finish(out2.location!, again.start);
      } catch (caught) {
        error = caught;
      }
      expect((error as { error?: string }).error).to.equal('invalid_client');
    });
  });

  describe('tobira client create', function () {
    it('registers the same options as the admin API, and refuses an unknown method in one line', async function () {
      const { publicKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ]);
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tobira-jwks-')), 'jwks.json');
      writeFileSync(file, JSON.stringify({ keys: [await webcrypto.subtle.exportKey('jwk', publicKey)] }));
      const lines: string[] = [];
      const base = ['--tenant', 'p-r', '--redirect-uri', REDIRECT];
      await clientCreate(
        w.t.tobira,
        [
          ...base,
          '--id',
          'p-r-cli',
          '--auth-method',
          'private_key_jwt',
          '--jwks-file',
          file,
          '--pkce-optional',
          '--post-logout-redirect-uri',
          LOGGED_OUT,
        ],
        (line) => lines.push(line),
      );
      expect(lines.join('\n')).to.include('auth method:   private_key_jwt').and.not.include('client_secret:');
      const stored = (await w.t.tobira.store.getClient('p-r-cli'))!.metadata;
      expect(stored).to.include({
        token_endpoint_auth_method: 'private_key_jwt',
        tobira_pkce_required: false,
      });
      expect(stored.post_logout_redirect_uris).to.deep.equal([LOGGED_OUT]);
      let refused: unknown;
      try {
        await clientCreate(w.t.tobira, [...base, '--auth-method', 'client_secret_jwt'], () => {});
      } catch (error) {
        refused = error;
      }
      expect(refused).to.be.instanceOf(UsageError);
    });
  });
});
