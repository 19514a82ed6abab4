/** No admin API response may be cached: several carry secrets shown once. */
import { expect } from 'chai';
import type { Response } from 'supertest';
import { createTenant } from '../helpers/fixtures.js';
import { startAdminTobira, type AdminTobira } from './admin-kit.js';

describe('security: admin API caching headers', function () {
  let a: AdminTobira;
  before(async function () {
    a = await startAdminTobira();
    await createTenant(a.t.tobira, 'p-32');
  });
  after(async () => a?.close());

  it('sends Cache-Control: no-store and Pragma: no-cache on every kind of response', async function () {
    const responses: [string, Response][] = [
      [
        'one-time password',
        await a
          .api('post', '/tenants/p-32/accounts')
          .send({ userId: 'p-32-usr001', terminals: [{ email: 'h@example.jp' }] }),
      ],
      [
        'client secret',
        await a
          .api('post', '/tenants/p-32/clients')
          .send({ name: 'RP', redirectUris: ['https://h.example.jp/cb'] }),
      ],
      ['list', await a.api('get', '/tenants')],
      ['bad request', await a.api('post', '/tenants').send({ id: 'Bad Id' })],
      ['not found', await a.api('get', '/tenants/p-99')],
      ['unauthorized', await a.api('get', '/tenants', null)],
      ['OpenAPI document', await a.api('get', '/openapi.json', null)],
    ];
    expect(responses[0]![1].body.oneTimePassword).to.be.a('string');
    expect(responses[1]![1].body.clientSecret).to.be.a('string');
    for (const [what, res] of responses) {
      expect(res.headers['cache-control'], what).to.equal('no-store');
      expect(res.headers.pragma, what).to.equal('no-cache');
    }
  });
});
