/**
 * RFC 8705 for relying parties, over real HTTPS with openid-client: tls_client_auth (a CA from the
 * operator's bundle, a registered subject) and self_signed_tls_client_auth (a pinned x5c certificate)
 * at the token, introspection and revocation endpoints; access tokens bound to the RP's certificate
 * (cnf.x5t#S256) that userinfo refuses without it. The user signs in with their own certificate.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { ConfigError } from '../../src/config.js';
import { createHttpsFetch } from '../../src/http/https-fetch.js';
import { issuedByTrustedCa, loadRpTrustBundle } from '../../src/http/mtls.js';
import { certificateSubjectMatches } from '../../src/policy/certificate-subject.js';
import { startWorld, type World } from '../helpers/attacker.js';
import { createClient, type TestClient, type TestUser } from '../helpers/fixtures.js';
import { RP_SAN_DNS, RP_SUBJECT_DN, makeRpCertificates, type KeyPair } from '../helpers/rp-certs.js';
import { TestRp } from '../helpers/rp.js';

const REDIRECT = 'https://rp.example.test/cb';
const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '');
const x5tS256 = (pem: string) => Buffer.from(thumbprint(pem), 'hex').toString('base64url');

describe('mutual TLS for relying parties (RFC 8705)', function () {
  const certs = makeRpCertificates();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tobira-mtls-'));
  const bundle = path.join(dir, 'rp-cas.pem');
  writeFileSync(bundle, certs.ca.cert);
  let w: World;
  let user: TestUser;
  const clients: Record<'pki' | 'selfSigned', TestClient> = {} as never;

  /** fetch presenting `cert` (or none) and trusting Tobira's CA. */
  const fetchWith = (pair?: KeyPair) =>
    createHttpsFetch({
      ca: w.t.tobira.ca.certificatePem,
      ...(pair ? { cert: pair.cert, key: pair.key } : {}),
    });
  /** A client-authenticated POST (client_id in the body, as RFC 8705 §2 has it). */
  const post = (
    pair: KeyPair | undefined,
    endpoint: string,
    client: TestClient,
    form: Record<string, string>,
  ) =>
    fetchWith(pair)(`${w.t.url}${endpoint}`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: client.clientId, ...form }),
    });

  before(async function () {
    w = await startWorld({ tenants: { 'p-m': {} }, config: { mtlsClientCaFile: bundle } });
    user = await w.user('p-m');
    clients.pki = await createClient(w.t.tobira, {
      tenantId: 'p-m',
      redirectUri: REDIRECT,
      more: {
        auth: {
          method: 'tls_client_auth',
          tlsSubject: { property: 'tls_client_auth_subject_dn', value: RP_SUBJECT_DN },
          certificateBoundTokens: true,
        },
      },
    });
    clients.selfSigned = await createClient(w.t.tobira, {
      tenantId: 'p-m',
      redirectUri: REDIRECT,
      more: {
        auth: {
          method: 'self_signed_tls_client_auth',
          jwks: { keys: [certs.selfSigned.jwk] },
          certificateBoundTokens: true,
        },
      },
    });
  });
  after(async function () {
    await w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('advertises both methods and bound tokens, and no mtls_endpoint_aliases (same endpoints)', async function () {
    const server = (await (
      await fetchWith()(`${w.t.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(server.token_endpoint_auth_methods_supported).to.include.members([
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ]);
    expect(server.introspection_endpoint_auth_methods_supported).to.include('tls_client_auth');
    expect(server.tls_client_certificate_bound_access_tokens).to.equal(true);
    expect(server).to.not.have.property('mtls_endpoint_aliases');
  });

  for (const [kind, pair] of [
    ['tls_client_auth', () => certs.issued],
    ['self_signed_tls_client_auth', () => certs.selfSigned],
  ] as const) {
    describe(kind, function () {
      const client = () => (kind === 'tls_client_auth' ? clients.pki : clients.selfSigned);

      it('signs in through openid-client, binds the access token to the RP certificate, and userinfo needs it', async function () {
        const rp = await TestRp.discover(w.t.url, client(), w.t.tobira.ca.certificatePem, {
          auth: oidc.TlsClientAuth(),
          fetch: fetchWith(pair()),
        });
        const b = w.browser(user);
        const { start, page } = await w.openLogin(b, rp);
        const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
        // The RP's certificate at the token endpoint is not the user's: the login's binding holds regardless.
        const { tokens, claims, userinfo } = await rp.finish(out.location!, start);
        expect(claims.sub).to.equal(user.account.id);
        expect(userinfo.sub, 'userinfo with the bound certificate').to.equal(user.account.id);

        const introspected = await oidc.tokenIntrospection(rp.config, tokens.access_token);
        expect(introspected.active).to.equal(true);
        expect((introspected.cnf as Record<string, string>)['x5t#S256']).to.equal(x5tS256(pair().cert));

        for (const [what, other] of [
          ['no certificate', undefined],
          ['another certificate', certs.foreign],
        ] as const) {
          const r = await fetchWith(other)(`${w.t.url}/me`, {
            headers: { authorization: `Bearer ${tokens.access_token}` },
          });
          expect(r.status, `userinfo with ${what}`).to.equal(401);
          expect(r.headers.get('www-authenticate')).to.include('invalid_token');
        }
      });

      it('refuses the token, introspection and revocation endpoints with a wrong or missing certificate', async function () {
        const wrong = kind === 'tls_client_auth' ? certs.foreign : certs.issued;
        const grant = { grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: REDIRECT };
        const right = await post(pair(), '/token', client(), grant);
        expect(right.status, 'authenticated: only the code is wrong').to.equal(400);
        expect(((await right.json()) as { error: string }).error).to.equal('invalid_grant');
        for (const [what, presented] of [
          ['no certificate', undefined],
          ['a wrong certificate', wrong],
        ] as const) {
          for (const [endpoint, form] of [
            ['/token', grant],
            ['/token/introspection', { token: 'x' }],
            ['/token/revocation', { token: 'x' }],
          ] as const) {
            const r = await post(presented, endpoint, client(), form);
            expect(r.status, `${endpoint} with ${what}`).to.equal(401);
            expect(((await r.json()) as { error: string }).error).to.equal('invalid_client');
          }
        }
        for (const endpoint of ['/token/introspection', '/token/revocation']) {
          const r = await post(pair(), endpoint, client(), { token: 'x' });
          expect(r.status, `${endpoint} with the right certificate`).to.equal(200);
        }
      });
    });
  }

  it("never takes a user's certificate (Tobira's CA) for a relying party's", async function () {
    const r = await fetchWith()(`${w.t.url}/token/introspection`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: clients.pki.clientId, token: 'x' }),
    });
    expect(r.status, 'no certificate').to.equal(401);
    const userTls = createHttpsFetch({
      ca: w.t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
    const withUserCert = await userTls(`${w.t.url}/token/introspection`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: clients.pki.clientId, token: 'x' }),
    });
    expect(withUserCert.status).to.equal(401);
    expect(() =>
      loadRpTrustBundle(bundleOf(w.t.tobira.ca.certificatePem), w.t.tobira.ca.certificatePem),
    ).to.throw(ConfigError, /own CA/);
  });

  /** A bundle file holding `pem`. */
  function bundleOf(pem: string): string {
    const file = path.join(dir, `bundle-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(file, pem);
    return file;
  }

  describe('trust and subject rules', function () {
    it('trusts only certificates the bundle CAs issued, in validity', function () {
      const cas = loadRpTrustBundle(bundle, w.t.tobira.ca.certificatePem);
      const now = new Date();
      expect(issuedByTrustedCa(new X509Certificate(certs.issued.cert), cas, now)).to.equal(true);
      expect(issuedByTrustedCa(new X509Certificate(certs.foreign.cert), cas, now)).to.equal(false);
      expect(issuedByTrustedCa(new X509Certificate(certs.selfSigned.cert), cas, now)).to.equal(false);
      const later = new Date(now.getTime() + 3 * 86_400_000);
      expect(issuedByTrustedCa(new X509Certificate(certs.issued.cert), cas, later), 'expired').to.equal(
        false,
      );
    });

    it('refuses a bundle that is unreadable, empty, or holds a certificate that is not a CA', function () {
      expect(() => loadRpTrustBundle(path.join(dir, 'missing.pem'), certs.ca.cert)).to.throw(ConfigError);
      expect(() => loadRpTrustBundle(bundleOf('nothing here'), certs.ca.cert)).to.throw(
        ConfigError,
        /no PEM/,
      );
      expect(() => loadRpTrustBundle(bundleOf(certs.issued.cert), certs.ca.cert)).to.throw(
        ConfigError,
        /not a CA/,
      );
    });

    it('matches the registered subject DN (RFC 4514 order) or SAN, nothing else', function () {
      const cert = new X509Certificate(certs.issued.cert);
      expect(certificateSubjectMatches(cert, 'tls_client_auth_subject_dn', RP_SUBJECT_DN)).to.equal(true);
      expect(
        certificateSubjectMatches(cert, 'tls_client_auth_subject_dn', 'cn=rp.example.test, O=Tobira Test RP'),
      ).to.equal(true);
      expect(
        certificateSubjectMatches(cert, 'tls_client_auth_subject_dn', 'O=Tobira Test RP,CN=rp.example.test'),
      ).to.equal(false);
      expect(certificateSubjectMatches(cert, 'tls_client_auth_subject_dn', 'CN=rp.example.test')).to.equal(
        false,
      );
      expect(certificateSubjectMatches(cert, 'tls_client_auth_san_dns', RP_SAN_DNS.toUpperCase())).to.equal(
        true,
      );
      expect(certificateSubjectMatches(cert, 'tls_client_auth_san_dns', 'evil.example')).to.equal(false);
      expect(certificateSubjectMatches(cert, 'tls_client_auth_san_uri', `https://${RP_SAN_DNS}/`)).to.equal(
        false,
      );
      expect(certificateSubjectMatches(cert, 'tls_client_auth_san_ip', '192.0.2.7')).to.equal(false);
    });
  });
});
