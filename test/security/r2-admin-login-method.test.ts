/**
 * A tenant's policy names the login methods its accounts may have (features.loginMethods), and the
 * policy is the platform's, not the website's, to change. The login asks for a one-time password by
 * the account's own method only, so an account created with a method the policy leaves out would sign
 * in below the contract: the admin API and the CLI refuse to create one.
 */
import { expect } from 'chai';
import { CLI_CALLER, OperationError, operations } from '../../src/operations/index.js';
import { startAdminTobira, type AdminTobira } from './admin-kit.js';

describe('security: admin API login methods stay within the tenant’s policy', function () {
  let a: AdminTobira;
  let otpOnlyKey: string;

  const create = (tenantId: string, userId: string, key: string, loginMethod?: string) =>
    a
      .api('post', `/tenants/${tenantId}/accounts`, key)
      .send({
        userId,
        terminals: [{ email: `${userId}@example.jp` }],
        ...(loginMethod ? { loginMethod } : {}),
      });
  const methodOf = async (userId: string) =>
    (await a.t.tobira.store.getAccountByUserId(userId))?.loginMethod ?? null;

  before(async function () {
    a = await startAdminTobira();
    const tenants = [
      { id: 'm-01', policy: { features: { loginMethods: ['password_otp'] } } },
      { id: 'm-02', policy: {} },
    ];
    for (const { id, policy } of tenants)
      expect(
        (await a.api('post', '/tenants').send({ id, name: id, supportContact: 'desk', policy })).status,
      ).to.equal(201);
    otpOnlyKey = await a.tenantKey('m-01');
  });
  after(async () => a?.close());

  it('refuses a password-only account in a tenant whose policy requires the one-time password', async function () {
    for (const key of [otpOnlyKey, a.platformKey]) {
      const res = await create('m-01', 'm-01-usr001', key, 'password');
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.include({ error: 'invalid_request' });
      expect(res.body.details).to.deep.equal({ code: 'account.login_method_not_allowed' });
    }
    expect(await methodOf('m-01-usr001'), 'nothing stored').to.equal(null);

    let refused: unknown;
    await operations(a.t.tobira)
      .accounts.create(CLI_CALLER, 'm-01', {
        userId: 'm-01-usr002',
        terminals: [{ email: 'cli@example.jp', type: 'pc' }],
        loginMethod: 'password',
      })
      .catch((error: unknown) => (refused = error));
    expect(refused, 'the CLI’s operation too').to.be.instanceOf(OperationError);
    expect(await methodOf('m-01-usr002')).to.equal(null);
  });

  it('gives an account the tenant’s method when none is asked for: password where allowed', async function () {
    expect((await create('m-01', 'm-01-usr003', otpOnlyKey)).status).to.equal(201);
    expect(await methodOf('m-01-usr003')).to.equal('password_otp');

    expect((await create('m-02', 'm-02-usr001', a.platformKey)).status).to.equal(201);
    expect(await methodOf('m-02-usr001')).to.equal('password');
    expect((await create('m-02', 'm-02-usr002', a.platformKey, 'password_otp')).status).to.equal(201);
    expect(await methodOf('m-02-usr002')).to.equal('password_otp');
  });
});
