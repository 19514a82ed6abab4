/** Client secrets at rest: sealed per client, opened only for oidc-provider; old plain records still work. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
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
});
