/** The admin API over the real HTTPS listener: API keys, JSON errors, and the support desk's work. */
import { expect } from 'chai';
import request from 'supertest';
import { ADMIN_AUTH_FAILURES } from '../../src/admin/router.js';
import { newToken, sha256Hex } from '../../src/random.js';
import { StoreError } from '../../src/store.js';
import { TestBrowser, formOf } from '../helpers/browser.js';
import { createUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('admin API', function () {
  let t: TestTobira;
  let key: string;

  const api = (method: 'get' | 'post' | 'patch' | 'delete', path: string, token: string | null = key) => {
    const req = request(t.url)[method](`/admin/v1${path}`).ca(t.tobira.ca.certificatePem);
    return token ? req.set('Authorization', `Bearer ${token}`) : req;
  };

  before(async function () {
    t = await startTestTobira();
    key = newToken(32);
    await t.tobira.store.createApiKey({ id: 'key-test', keyHash: sha256Hex(key), label: 'test' }, new Date());
  });
  after(async () => t?.close());

  it('refuses requests without a valid key, with a JSON error and WWW-Authenticate', async function () {
    for (const token of [null, 'not-a-real-key-but-long-enough', newToken(32)]) {
      const res = await api('get', '/tenants', token);
      expect(res.status).to.equal(401);
      expect(res.body).to.include({ error: 'unauthorized' });
      expect(res.headers['www-authenticate']).to.include('Bearer');
    }
    const revoked = newToken(32);
    await t.tobira.store.createApiKey(
      { id: 'key-old', keyHash: sha256Hex(revoked), label: 'old' },
      new Date(),
    );
    await t.tobira.store.revokeApiKey('key-old', new Date());
    expect((await api('get', '/tenants', revoked)).status).to.equal(401);
  });

  it('creates and changes a tenant; the policy is validated and merged section by section', async function () {
    const created = await api('post', '/tenants').send({
      id: 'p-80',
      name: 'Bank',
      supportContact: '0120-000-000',
      policy: { lockout: { maxPasswordFailures: 3 } },
    });
    expect(created.status).to.equal(201);
    expect(created.body.policy.lockout).to.include({ maxPasswordFailures: 3, showRemainingAttempts: true });
    const bad = await api('post', '/tenants').send({
      id: 'p-81',
      name: 'x',
      supportContact: 'y',
      policy: { password: { minLength: 6 } },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.equal('invalid_request');
    expect(bad.body.details[0].path).to.equal('policy.password.minLength');
    const dup = await api('post', '/tenants').send({ id: 'p-80', name: 'Again', supportContact: 'z' });
    expect(dup.status).to.equal(409);
    const patched = await api('patch', '/tenants/p-80').send({
      policy: { lockout: { showRemainingAttempts: false } },
    });
    expect(patched.body.policy.lockout).to.include({ maxPasswordFailures: 3, showRemainingAttempts: false });
    expect((await api('get', '/tenants/p-99')).status).to.equal(404);
    expect(
      (await api('post', '/tenants').set('content-type', 'application/json').send('{not json')).body.error,
    ).to.equal('invalid_request');
  });

  it('registers a relying party and returns its secret once', async function () {
    const res = await api('post', '/tenants/p-80/clients').send({
      name: 'Net banking',
      redirectUris: ['https://bank.example.jp/cb'],
    });
    expect(res.status).to.equal(201);
    expect(res.body.clientSecret).to.be.a('string').with.length.greaterThan(40);
    const list = await api('get', '/tenants/p-80/clients');
    expect(list.body.items[0])
      .to.include({ clientId: res.body.clientId, firstParty: true })
      .and.not.have.property('clientSecret');
    const stored = await t.tobira.store.getClient(res.body.clientId);
    expect(stored!.metadata).to.not.have.property('client_secret');
    expect(JSON.stringify(stored), 'sealed at rest').to.not.include(res.body.clientSecret);
    const seenByProvider = await t.tobira.provider.Client.find(res.body.clientId);
    expect(seenByProvider!.clientSecret, 'opened for oidc-provider only').to.equal(res.body.clientSecret);
  });

  it('creates an account (enrollment URL + one-time password), finds it, and never shows secrets', async function () {
    const res = await api('post', '/tenants/p-80/accounts').send({
      userId: 'p-80-usr001',
      terminals: [{ email: 'one@example.jp' }, { email: 'two@example.jp', type: 'smartphone' }],
    });
    expect(res.status).to.equal(201);
    expect(res.body.enrollmentUrl).to.match(new RegExp(`^${t.url}/enroll/`));
    expect(res.body.oneTimePassword).to.have.length(10);
    expect(
      res.body.account.terminals.map((x: { number: number; type: string }) => [x.number, x.type]),
    ).to.deep.equal([
      [1, 'pc'],
      [2, 'smartphone'],
    ]);
    const shown = await api('get', '/accounts/p-80-usr001');
    expect(shown.body).to.include({ userId: 'p-80-usr001', status: 'pending', totpEnrolled: false });
    expect(JSON.stringify(shown.body)).to.not.match(/argon2|passwordHash|secretAnswer|p12Enc/);
    const search = await api('get', '/accounts?tenant=p-80&prefix=p-80-usr&status=pending');
    expect(search.body.total).to.equal(1);
    expect((await api('get', '/accounts?limit=9999')).status).to.equal(400);
    const taken = await api('post', '/tenants/p-80/accounts').send({
      userId: 'p-80-usr001',
      terminals: [{ email: 'x@example.jp' }],
    });
    expect(taken.status).to.equal(409);
    const invalid = await api('post', '/tenants/p-80/accounts').send({
      userId: 'p-80-usr002',
      terminals: [{ email: 'not-an-address' }],
    });
    expect(invalid.status).to.equal(400);
  });

  it('keeps a display name (the profile scope’s name): given at creation, changed, cleared, validated', async function () {
    const created = await api('post', '/tenants/p-80/accounts').send({
      userId: 'p-80-usr010',
      displayName: '  山田 花子 ',
      terminals: [{ email: 'named@example.jp' }],
    });
    expect(created.status).to.equal(201);
    expect(created.body.account.displayName).to.equal('山田 花子');
    const renamed = await api('patch', '/accounts/p-80-usr010').send({ displayName: 'Hanako Yamada' });
    expect(renamed.status).to.equal(200);
    expect(renamed.body.displayName).to.equal('Hanako Yamada');
    expect((await api('patch', '/accounts/p-80-usr010').send({ displayName: '' })).status).to.equal(400);
    expect(
      (await api('patch', '/accounts/p-80-usr010').send({ displayName: null })).body.displayName,
    ).to.equal(null);
    expect((await api('patch', '/accounts/p-80-nobody').send({ displayName: 'x' })).status).to.equal(404);
  });

  it('re-issues an enrollment link; the old one stops working', async function () {
    const first = await api('post', '/tenants/p-80/accounts').send({
      userId: 'p-80-usr003',
      terminals: [{ email: 'three@example.jp' }],
    });
    const second = await api('post', '/accounts/p-80-usr003/enrollment');
    expect(second.status).to.equal(201);
    const browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      expect((await browser.request(first.body.enrollmentUrl)).status).to.equal(410);
      const page = await browser.request(second.body.enrollmentUrl);
      const next = await browser.request(new URL(formOf(page.text).action, t.url).href, {
        form: { csrf: formOf(page.text).csrf, otp: second.body.oneTimePassword },
      });
      expect(next.status).to.equal(303);
    } finally {
      browser.close();
    }
  });

  it('unlocks a locked account, revokes certificates and shows history, audit and mail', async function () {
    const account = (await t.tobira.store.getAccountByUserId('p-80-usr001'))!;
    await t.tobira.store.lockAccount(account.id, 'password', new Date());
    const unlocked = await api('post', '/accounts/p-80-usr001/unlock');
    expect(unlocked.body).to.include({ status: 'pending', lockReason: null });

    const terminal = (await t.tobira.store.listTerminals(account.id))[0]!;
    const { certificate } = await t.tobira.certificates.issueForTerminal({
      account,
      tenant: (await t.tobira.store.getTenant('p-80'))!,
      terminal,
      downloadPassword: 'x',
      downloadExpiresAt: new Date(Date.now() + 60_000),
      actor: 'test',
    });
    const revoked = await api('post', `/certificates/${certificate.serial}/revoke`).send({
      reason: 'keyCompromise',
    });
    expect(revoked.body).to.include({ status: 'revoked', revocationReason: 'keyCompromise' });
    expect((await api('post', '/certificates/00ff/revoke').send({})).status).to.equal(404);
    expect((await api('get', '/accounts/p-80-usr001/certificates')).body.items[0].status).to.equal('revoked');

    const audit = await api('get', '/audit?tenant=p-80&action=account.unlocked');
    expect(audit.body.items[0]).to.include({ actor: 'admin:key-test', action: 'account.unlocked' });
    expect((await api('get', '/accounts/p-80-usr001/login-events')).body).to.have.property('total');
    expect((await api('get', '/mail?status=failed')).body).to.deep.include({ total: 0 });
    expect((await api('delete', '/accounts/p-80-usr001')).body).to.deep.equal({ deleted: 'p-80-usr001' });
    expect((await api('get', '/accounts/p-80-usr001')).status).to.equal(404);
  });

  it('answers 409 with a stable code when there is nothing to unlock, or a record vanished mid-request', async function () {
    const notLocked = await api('post', '/accounts/p-80-usr010/unlock');
    expect(notLocked.status).to.equal(409);
    expect(notLocked.body).to.deep.include({ error: 'conflict', details: { code: 'account.not_locked' } });
    expect((await api('get', '/audit?action=account.unlocked')).body.total, 'nothing audited').to.equal(1);

    // Deleted by someone else between the lookup and the write: the store reports the missing reference.
    const store = t.tobira.store;
    const updateAccount = store.updateAccount.bind(store);
    store.updateAccount = () =>
      Promise.reject(new StoreError('store_reference_missing', 'no account 0193-internal-id'));
    try {
      const res = await api('patch', '/accounts/p-80-usr010').send({ displayName: 'x' });
      expect(res.status).to.equal(409);
      expect(res.body).to.deep.include({ error: 'conflict', details: { code: 'store_reference_missing' } });
      expect(res.body.message, 'no internal IDs').to.not.include('0193');
    } finally {
      store.updateAccount = updateAccount;
    }
  });

  it('limits a tenant’s key to its tenant: other tenants are not found, platform operations forbidden', async function () {
    await api('post', '/tenants').send({ id: 'p-81', name: 'Other bank', supportContact: 'desk-81' });
    const other = await createUser(t.tobira, {
      tenantId: 'p-81',
      userId: 'p-81-usr001',
      password: 'Other-Bank-81',
    });
    const tenantKey = newToken(32);
    await t.tobira.store.createApiKey(
      { id: 'key-p80', keyHash: sha256Hex(tenantKey), label: 'p-80 desk', tenantId: 'p-80' },
      new Date(),
    );
    const as80 = (method: 'get' | 'post' | 'patch' | 'delete', path: string) => api(method, path, tenantKey);

    expect((await as80('get', '/tenants')).body.items.map((x: { id: string }) => x.id)).to.deep.equal([
      'p-80',
    ]);
    expect((await as80('get', '/tenants/p-80')).status).to.equal(200);
    for (const [method, path] of [
      ['get', '/tenants/p-81'],
      ['get', '/tenants/p-81/clients'],
      ['post', '/tenants/p-81/accounts'],
      ['get', '/accounts/p-81-usr001'],
      ['post', '/accounts/p-81-usr001/unlock'],
      ['get', '/accounts/p-81-usr001/login-events'],
      ['delete', '/accounts/p-81-usr001'],
      ['post', `/certificates/${other.certificate.serial}/revoke`],
    ] as const) {
      const res = await as80(method, path).send(
        path.endsWith('/accounts') ? { userId: 'p-81-usr999', terminals: [{ email: 'x@example.jp' }] } : {},
      );
      expect(res.status, `${method} ${path}`).to.equal(404);
      expect(res.body.error).to.equal('not_found');
    }
    for (const [method, path] of [
      ['post', '/tenants'],
      ['patch', '/tenants/p-80'],
      ['get', '/mail'],
    ] as const) {
      const res = await as80(method, path).send({ id: 'p-82', name: 'x', supportContact: 'y' });
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(res.body.error).to.equal('forbidden');
    }
    const search = await as80('get', '/accounts?tenant=p-81');
    expect(search.body.items.length).to.be.greaterThan(0);
    expect(search.body.items.every((a: { tenantId: string }) => a.tenantId === 'p-80')).to.equal(true);
    const audit = await as80('get', '/audit?tenant=p-81');
    expect(audit.body.items.every((e: { tenantId: string }) => e.tenantId === 'p-80')).to.equal(true);
    const own = search.body.items[0].userId as string;
    expect((await as80('get', `/accounts/${own}`)).status, 'its own accounts, as usual').to.equal(200);
    expect((await api('get', '/accounts/p-81-usr001')).status, 'a platform key sees every tenant').to.equal(
      200,
    );
    expect((await t.tobira.store.getAccountByUserId('p-81-usr001'))!.status).to.equal('active');
  });

  it('publishes an OpenAPI document of every route', async function () {
    const res = await api('get', '/openapi.json', null);
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    expect(Object.keys(res.body.paths)).to.include.members([
      '/admin/v1/tenants',
      '/admin/v1/accounts/{userId}/unlock',
      '/admin/v1/certificates/{serial}/revoke',
    ]);
    expect(
      res.body.paths['/admin/v1/tenants'].post.requestBody.content['application/json'].schema.required,
    ).to.include.members(['id', 'name', 'supportContact']);
  });
  it('answers 429 with Retry-After once one address keeps failing to authenticate; valid keys still work', async function () {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i <= ADMIN_AUTH_FAILURES.max; i += 1) {
      last = await api('get', '/tenants', newToken(32));
      statuses.push(last.status);
      if (last.status === 429) break;
    }
    expect(statuses.at(-1)).to.equal(429);
    expect(last!.body).to.include({ error: 'rate_limited' });
    expect(last!.headers['retry-after']).to.match(/^\d+$/);
    expect((await api('get', '/tenants')).status, 'the right key is never locked out').to.equal(200);
  });
});
