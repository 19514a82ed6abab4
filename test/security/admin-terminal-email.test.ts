/**
 * The operator's terminal address change (PATCH /accounts/{userId}/terminals/{n}) and the listing of
 * terminals no certificate can be issued for: a tenant's key reaches its own tenant's accounts only,
 * and learns nothing of another's (the same 404 as an unknown user ID).
 */
import { expect } from 'chai';
import { startAdminTobira, type AdminTobira } from './admin-kit.js';

describe('security: admin API terminal addresses stay within the key’s tenant', function () {
  let a: AdminTobira;
  let keyS1: string;

  const addressOf = async (userId: string) => {
    const account = (await a.t.tobira.store.getAccountByUserId(userId))!;
    return (await a.t.tobira.store.listTerminals(account.id))[0]!.email;
  };

  before(async function () {
    a = await startAdminTobira();
    for (const id of ['s-01', 's-02']) {
      expect(
        (await a.api('post', '/tenants').send({ id, name: id, supportContact: 'desk' })).status,
      ).to.equal(201);
      const created = await a
        .api('post', `/tenants/${id}/accounts`)
        .send({ userId: `${id}-usr001`, terminals: [{ email: `${id}@example.jp` }] });
      expect(created.status, id).to.equal(201);
    }
    keyS1 = await a.tenantKey('s-01');
  });
  after(async () => a?.close());

  it('refuses another tenant’s terminal as not found and leaves its address as it was', async function () {
    const other = await a
      .api('patch', '/accounts/s-02-usr001/terminals/1', keyS1)
      .send({ email: 'taken@example.jp' });
    const unknown = await a
      .api('patch', '/accounts/s-01-usr999/terminals/1', keyS1)
      .send({ email: 'taken@example.jp' });
    expect(other.status).to.equal(404);
    expect(unknown.status).to.equal(404);
    expect(other.body.error).to.equal(unknown.body.error);
    expect(other.body.details).to.deep.equal(unknown.body.details);
    expect(await addressOf('s-02-usr001')).to.equal('s-02@example.jp');

    const own = await a
      .api('patch', '/accounts/s-01-usr001/terminals/1', keyS1)
      .send({ email: 'new@example.jp' });
    expect(own.status).to.equal(200);
    expect(await addressOf('s-01-usr001')).to.equal('new@example.jp');
  });

  it('lists only the key’s tenant, whatever tenant the query names', async function () {
    for (const id of ['s-01', 's-02']) {
      const account = (await a.t.tobira.store.getAccountByUserId(`${id}-usr001`))!;
      const [terminal] = await a.t.tobira.store.listTerminals(account.id);
      // As old data: written without the address rule.
      await a.t.tobira.store.updateTerminal(terminal!.id, { email: `山田@${id}.example.jp` }, new Date());
    }
    const listed = await a.api('get', '/terminals/non-ascii-email?tenant=s-02', keyS1);
    expect(listed.status).to.equal(200);
    expect(listed.body.items.map((x: { userId: string }) => x.userId)).to.deep.equal(['s-01-usr001']);
  });
});
