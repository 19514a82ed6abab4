/**
 * The demo banner reports the demo password only while it still signs in: after the demo user
 * changed it, the saved one is stale and the banner says so.
 */
import { expect } from 'chai';
import { demoBanner } from '../../src/cli/demo-banner.js';
import { ensureDemo } from '../../src/services/demo.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('tobira demo banner', function () {
  let t: TestTobira;
  const redirectUri = 'http://localhost:3000/callback';
  const urls = { tobira: 'https://localhost:8443' };

  before(async () => (t = await startTestTobira()));
  after(async () => t?.close());

  it('prints the generated password while it is the account’s, and says it was changed once it is not', async function () {
    const first = await ensureDemo(t.tobira, { redirectUri });
    expect(first.passwordCurrent).to.equal(true);
    expect(demoBanner(first, urls)).to.include(`Demo password:        ${first.password}\n`);

    const again = await ensureDemo(t.tobira, { redirectUri });
    expect(again, 'kept, not regenerated').to.include({ password: first.password, passwordCurrent: true });

    const account = (await t.tobira.store.getAccountByUserId(first.userId))!;
    const now = new Date();
    const passwordHash = await t.tobira.hasher.hash('Changed-By-The-User-1');
    await t.tobira.store.updateAccount(account.id, { passwordHash, passwordChangedAt: now }, now);

    const changed = await ensureDemo(t.tobira, { redirectUri });
    expect(changed.passwordCurrent).to.equal(false);
    const banner = demoBanner(changed, urls);
    expect(banner).not.to.include(first.password);
    expect(banner).to.include(
      'Demo password:        (changed since it was generated — use the new one; forgotten: https://localhost:8443/recovery/password)',
    );
    expect(banner).to.include(`Its import password:  ${first.p12Password}`);
  });
});
