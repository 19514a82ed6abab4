/** Client secrets at rest: sealed per client, opened only for oidc-provider; old plain records still work. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import { startTestTobira } from '../helpers/tobira.js';
import { SecretBox, SecretBoxError } from '../../src/crypto/secret-box.js';
import { clientMetadata, openClientSecret, sealClientSecret } from '../../src/services/clients.js';

describe('client secrets', function () {
  const box = new SecretBox(randomBytes(32));
  const { metadata, clientSecret } = clientMetadata({ name: 'RP', redirectUris: ['https://rp.example/cb'] });

  it('seals the secret bound to the client ID and opens it again', function () {
    const stored = sealClientSecret(metadata, 'rp-1', box);
    expect(stored).to.not.have.property('client_secret');
    expect(JSON.stringify(stored)).to.not.include(clientSecret);
    expect(openClientSecret(stored, 'rp-1', box)).to.deep.equal(metadata);
    expect(() => openClientSecret(stored, 'rp-2', box), 'copied to another client').to.throw(SecretBoxError);
    expect(() => openClientSecret(stored, 'rp-1', new SecretBox(randomBytes(32)))).to.throw(SecretBoxError);
  });

  it('passes metadata without a secret, or with one stored before sealing, through unchanged', function () {
    const { client_secret: _secret, ...publicOnly } = metadata;
    expect(sealClientSecret(publicOnly, 'rp-1', box)).to.deep.equal(publicOnly);
    expect(openClientSecret(metadata, 'rp-1', box)).to.deep.equal(metadata);
  });

  it('seals, at start, the secrets of clients stored before secrets were sealed', async function () {
    const store = await openSqliteStore({ path: ':memory:' });
    const now = new Date();
    await store.createTenant(
      { id: 'p-77', name: 'Old', supportContact: 'desk', policy: defaultTenantPolicy() },
      now,
    );
    await store.createClient({ clientId: 'old-rp', tenantId: 'p-77', metadata, firstParty: true }, now);
    const t = await startTestTobira({ store });
    try {
      const stored = (await store.getClient('old-rp'))!;
      expect(stored.metadata).to.not.have.property('client_secret');
      expect(JSON.stringify(stored)).to.not.include(clientSecret);
      expect((await t.tobira.provider.Client.find('old-rp'))!.clientSecret).to.equal(clientSecret);
      expect(await t.tobira.clients.sealStoredSecrets(), 'nothing left to seal').to.equal(0);
      const { items } = await store.listAuditEvents({});
      expect(items.map((e) => e.action)).to.include('client.secret_sealed');
    } finally {
      await t.close();
      await store.close();
    }
  });
});
