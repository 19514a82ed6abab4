/**
 * The token side keeps the records a userinfo or introspection request needs across requests
 * (src/store/request-cache.ts, valid while the store's security epoch stands still). Over real HTTPS with
 * openid-client as the relying party: each revocation, lock, deletion or logout — made in the server, by
 * another connection to the same database, or by the `tobira` CLI in its own process — is refused on the
 * very next userinfo and introspection request although the records were kept, and a kept request reads
 * nothing from the store but the epoch.
 */
import { expect } from 'chai';
import request from 'supertest';
import type { Store } from '../../src/store.js';
import { sealClientSecret } from '../../src/services/clients.js';
import { openStore } from '../../src/store-factory.js';
import { runTobira } from '../helpers/cli-runner.js';
import type { TestBrowser } from '../helpers/browser.js';
import type { TestClient, TestUser } from '../helpers/fixtures.js';
import { startWorld, type World } from '../helpers/attacker.js';
import type { TestRp } from '../helpers/rp.js';

interface Signed {
  user: TestUser;
  browser: TestBrowser;
  accessToken: string;
  idToken: string;
}

/** A change that must end the token at once, made through `store` (the server's, or another's). */
type Change = (store: Store, s: Signed, w: World) => Promise<unknown>;

const CHANGES: [string, Change][] = [
  [
    'certificate revoked',
    (store, s, w) => store.revokeCertificate(s.user.certificate.serial, 'keyCompromise', w.clock.now()),
  ],
  ['account locked', (store, s, w) => store.lockAccount(s.user.account.id, 'admin', w.clock.now())],
  ['account deleted', (store, s, w) => store.deleteAccount(s.user.account.id, w.clock.now())],
  [
    'terminal deleted',
    (store, s, w) => store.updateTerminal(s.user.terminal.id, { deleted: true }, w.clock.now()),
  ],
  ['access token destroyed', (store, s) => destroyToken(store, s.accessToken)],
  ['grant revoked', async (store, s) => store.oidcRevokeByGrantId(await grantOf(store, s.accessToken))],
];

/** oidc-provider's opaque access token: the stored id is the token value. */
const destroyToken = (store: Store, token: string) => store.oidcDestroy('AccessToken', token);
const grantOf = async (store: Store, token: string): Promise<string> =>
  String((await store.oidcFind('AccessToken', token, new Date()))?.grantId);

describe('token side: records kept across requests end with every revocation', function () {
  let w: World;
  let rp: TestRp;
  let client: TestClient;
  /** A second connection to the server's database, as the CLI or another worker has. */
  let other: Store;

  const userinfo = (token: string) =>
    request(w.t.url).get('/me').ca(w.t.tobira.ca.certificatePem).set('Authorization', `Bearer ${token}`);
  const introspect = async (token: string, as: TestClient = client): Promise<boolean> => {
    const response = await request(w.t.url)
      .post('/token/introspection')
      .ca(w.t.tobira.ca.certificatePem)
      .auth(as.clientId, as.clientSecret)
      .type('form')
      .send({ token });
    expect(response.status).to.equal(200);
    return (response.body as { active: boolean }).active;
  };
  /** Both endpoints answer for the token, twice: its records are kept now. */
  const warm = async (token: string) => {
    for (let i = 0; i < 2; i += 1) {
      expect((await userinfo(token)).status).to.equal(200);
      expect(await introspect(token)).to.equal(true);
    }
  };
  const refused = async (token: string, what: string) => {
    expect((await userinfo(token)).status, `userinfo after: ${what}`).to.equal(401);
    expect(await introspect(token), `introspection after: ${what}`).to.equal(false);
  };

  async function signIn(): Promise<Signed> {
    const user = await w.user('p-k');
    const browser = w.browser(user);
    const { start, page } = await w.openLogin(browser, rp);
    const out = await w.submit(browser, page, { userId: user.account.userId, password: user.password });
    const { tokens } = await rp.finish(out.location!, start);
    return { user, browser, accessToken: tokens.access_token, idToken: tokens.id_token! };
  }

  before(async function () {
    w = await startWorld({ tenants: { 'p-k': {} } });
    ({ rp, client } = await w.relyingParty('p-k', 'https://rp.example.test/cb'));
    other = await openStore(w.t.tobira.config);
  });
  after(async function () {
    await other?.close();
    await w?.close();
  });

  it('answers a kept token request with one store read: the security epoch', async function () {
    const s = await signIn();
    await warm(s.accessToken);
    const reads = async () => {
      const metric = w.t.tobira.metrics.registry.getSingleMetric('tobira_store_calls_total')!;
      const counts = new Map<string, number>();
      for (const v of (await metric.get()).values)
        if (v.labels.kind === 'read') counts.set(String(v.labels.method), v.value);
      return counts;
    };
    const delta = async (requests: () => Promise<unknown>) => {
      const before = await reads();
      for (let i = 0; i < 5; i += 1) await requests();
      const after = await reads();
      return Object.fromEntries(
        [...after]
          .filter(([m, n]) => n !== (before.get(m) ?? 0))
          .map(([m, n]) => [m, n - (before.get(m) ?? 0)]),
      );
    };
    expect(
      await delta(async () => expect((await userinfo(s.accessToken)).status).to.equal(200)),
    ).to.deep.equal({
      getSecurityEpoch: 5,
    });
    // Introspection also looks the token up as a refresh token (no token_type_hint): answered without a
    // read, since the request found an access token of that id (request-cache.ts namedByAccessToken).
    expect(await delta(async () => expect(await introspect(s.accessToken)).to.equal(true))).to.deep.equal({
      getSecurityEpoch: 5,
    });
  });

  for (const [name, change] of CHANGES) {
    it(`refuses the next request after: ${name}, in the server`, async function () {
      const s = await signIn();
      await warm(s.accessToken);
      await change(w.t.tobira.store, s, w);
      await refused(s.accessToken, name);
    });

    it(`refuses the next request after: ${name}, by another connection to the store`, async function () {
      const s = await signIn();
      await warm(s.accessToken);
      await change(other, s, w);
      await refused(s.accessToken, name);
    });
  }

  it('refuses the next request after the client is deleted by another connection', async function () {
    const own = await w.relyingParty('p-k', 'https://rp.example.test/cb');
    const user = await w.user('p-k');
    const b = w.browser(user);
    const { start, page } = await w.openLogin(b, own.rp);
    const out = await w.submit(b, page, { userId: user.account.userId, password: user.password });
    const { tokens } = await own.rp.finish(out.location!, start);
    expect((await userinfo(tokens.access_token)).status).to.equal(200);
    expect(await introspect(tokens.access_token, own.client)).to.equal(true);
    await other.deleteClient(own.client.clientId);
    expect((await userinfo(tokens.access_token)).status).to.equal(401);
  });

  it('refuses a client secret on the next request after another connection replaced it', async function () {
    // oidc-provider's Client, built from the kept record, is kept with it (src/provider.ts).
    const own = await w.relyingParty('p-k', 'https://rp.example.test/cb');
    const authenticate = async (secret: string) =>
      (
        await request(w.t.url)
          .post('/token/introspection')
          .ca(w.t.tobira.ca.certificatePem)
          .auth(own.client.clientId, secret)
          .type('form')
          .send({ token: 'not-a-token' })
      ).status;
    for (let i = 0; i < 2; i += 1) expect(await authenticate(own.client.clientSecret)).to.equal(200);
    const record = (await other.getClient(own.client.clientId))!;
    const metadata = Object.fromEntries(
      Object.entries(record.metadata).filter(([name]) => !name.endsWith('_sealed')),
    );
    const replaced = 'replaced-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
    const sealed = sealClientSecret(
      { ...metadata, client_secret: replaced },
      own.client.clientId,
      w.t.tobira.box,
    );
    await other.updateClient(own.client.clientId, sealed, new Date());
    expect(await authenticate(own.client.clientSecret)).to.equal(401);
    expect(await authenticate(replaced)).to.equal(200);
  });

  it('refuses the next request after the token is revoked at the revocation endpoint', async function () {
    const s = await signIn();
    await warm(s.accessToken);
    const revoked = await request(w.t.url)
      .post('/token/revocation')
      .ca(w.t.tobira.ca.certificatePem)
      .auth(client.clientId, client.clientSecret)
      .type('form')
      .send({ token: s.accessToken });
    expect(revoked.status).to.equal(200);
    await refused(s.accessToken, 'revocation');
  });

  it('refuses the next request after the user logs out (the grant is revoked)', async function () {
    const s = await signIn();
    await warm(s.accessToken);
    const confirm = await s.browser.request(`${w.t.url}/session/end`, {
      form: { id_token_hint: s.idToken },
      headers: { origin: w.t.url },
    });
    expect(confirm.status).to.equal(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1]!;
    await s.browser.request(`${w.t.url}/session/end/confirm`, { form: { xsrf, logout: 'yes' } });
    await refused(s.accessToken, 'logout');
  });

  it('refuses the next request after the `tobira` CLI revokes the certificate in its own process', async function () {
    const s = await signIn();
    await warm(s.accessToken);
    const cli = await runTobira(w.t.dataDir, 'certificate', 'revoke', '--serial', s.user.certificate.serial);
    expect(cli.code, cli.stderr).to.equal(0);
    await refused(s.accessToken, 'the CLI’s revocation');
  });
});
