/**
 * Signed cookies (src/http/cookie-signer.ts): keygrip's signatures, so a cookie signed by keygrip — an
 * older release, or a key rotated out of first place — still verifies; a forged or altered signature
 * does not, in the unit and over real HTTPS on oidc-provider's interaction cookie.
 */
import { expect } from 'chai';
import Keygrip from 'keygrip';
import { CookieSigner, REMEMBERED_DIGESTS } from '../../src/http/cookie-signer.js';
import { TestBrowser } from '../helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const NEW_KEY = 'cookie-key-new-0123456789abcdefghijklmn';
const OLD_KEY = 'cookie-key-old-0123456789abcdefghijklmn';

describe('CookieSigner', function () {
  const samples = ['_session=abc', '_interaction=x3JeEOUn_Q-r8CvZTu4VR', 'lang=ja; ü', ''];

  it('signs as keygrip does with its defaults, with the first key', function () {
    const signer = new CookieSigner([NEW_KEY, OLD_KEY]);
    const keygrip = new Keygrip([NEW_KEY, OLD_KEY]);
    for (const data of samples) expect(signer.sign(data), data).to.equal(keygrip.sign(data));
  });

  it('finds the key that signed, and refuses other keys, altered data and altered digests', function () {
    const signer = new CookieSigner([NEW_KEY, OLD_KEY]);
    for (const data of samples) {
      expect(signer.index(data, new Keygrip([NEW_KEY]).sign(data))).to.equal(0);
      expect(signer.index(data, new Keygrip([OLD_KEY]).sign(data)), 'a rotated key still verifies').to.equal(
        1,
      );
      expect(signer.verify(data, new Keygrip(['another key']).sign(data))).to.equal(false);
      const digest = signer.sign(data);
      expect(signer.verify(`${data}x`, digest), 'other data').to.equal(false);
      const flipped = `${digest.slice(0, 5)}${digest[5] === 'A' ? 'B' : 'A'}${digest.slice(6)}`;
      for (const forged of [flipped, `${digest}=`, `${digest}.`, digest.slice(0, -1), '', 'A'])
        expect(signer.index(data, forged), `digest ${forged}`).to.equal(-1);
    }
  });

  it('answers a remembered digest as the HMAC would: only that digest, only for its signer, past the bound', function () {
    const signer = new CookieSigner([NEW_KEY, OLD_KEY]);
    const data = '_session=remembered';
    const byOld = new Keygrip([OLD_KEY]).sign(data);
    expect(signer.index(data, byOld), 'verified by the rotated key').to.equal(1);
    expect(signer.index(data, byOld), 'again, remembered: still the rotated key').to.equal(1);
    const byNew = signer.sign(data);
    expect(signer.index(data, byNew)).to.equal(0);
    expect(signer.index(data, byOld), 'the other remembered digest is computed anew').to.equal(1);
    expect(signer.index(data, new Keygrip(['another key']).sign(data))).to.equal(-1);
    // Another signer (a rotation) remembers nothing of this one.
    expect(new CookieSigner(['a rotated-in key 0123456789abcdef']).index(data, byNew)).to.equal(-1);
    // Past the bound the oldest are forgotten, and verify as before.
    for (let i = 0; i <= REMEMBERED_DIGESTS; i += 1) signer.sign(`filler=${i}`);
    expect(signer.index(data, byNew)).to.equal(0);
    expect(signer.index(data, new Keygrip([NEW_KEY]).sign(`${data}x`))).to.equal(-1);
  });

  it('needs a key', function () {
    expect(() => new CookieSigner([])).to.throw(TypeError);
  });
});

describe('signed cookies over HTTPS', function () {
  let t: TestTobira;
  let rp: TestRp;
  let user: TestUser;

  before(async function () {
    t = await startTestTobira({ config: { cookieKeys: [NEW_KEY, OLD_KEY] } });
    await createTenant(t.tobira, 'p-83');
    const client = await createClient(t.tobira, {
      tenantId: 'p-83',
      redirectUri: 'https://rp.example.test/cb',
    });
    user = await createUser(t.tobira, {
      tenantId: 'p-83',
      userId: 'p-83-cookie01',
      password: 'Cookie-Pass-1',
    });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });
  after(async function () {
    await t?.close();
  });

  /** A browser sent to its login page by /auth: the interaction cookie and its signature are set. */
  async function atLoginPage(): Promise<{ browser: TestBrowser; page: string; value: string }> {
    const browser = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
    const auth = await browser.request((await rp.start()).url);
    expect(auth.location, 'sent to the interaction').to.match(/\/interaction\//);
    const value = browser.cookies.get('_interaction')!;
    expect(browser.cookies.get('_interaction.sig')).to.equal(
      new Keygrip([NEW_KEY]).sign(`_interaction=${value}`),
    );
    return { browser, page: auth.location!, value };
  }

  it('shows the login page for the signature it set, and for one by the rotated key (re-signed)', async function () {
    const { browser, page, value } = await atLoginPage();
    try {
      expect((await browser.request(page)).text).to.match(/name="csrf"/);
      browser.cookies.set('_interaction.sig', new Keygrip([OLD_KEY]).sign(`_interaction=${value}`));
      const rotated = await browser.request(page);
      expect(rotated.text, 'the old key still verifies').to.match(/name="csrf"/);
      expect(browser.cookies.get('_interaction.sig'), 're-signed with the first key').to.equal(
        new Keygrip([NEW_KEY]).sign(`_interaction=${value}`),
      );
    } finally {
      browser.close();
    }
  });

  it('refuses the interaction cookie under a forged signature or with another value', async function () {
    const { browser, page, value } = await atLoginPage();
    try {
      browser.cookies.set('_interaction.sig', new Keygrip(['not our key']).sign(`_interaction=${value}`));
      const forged = await browser.request(page);
      expect(forged.status, 'forged signature').to.be.at.least(400);
      expect(forged.text).to.not.match(/name="csrf"/);
      const other = await atLoginPage();
      try {
        // A valid signature of one browser's cookie does not carry another value.
        other.browser.cookies.set('_interaction.sig', new Keygrip([NEW_KEY]).sign(`_interaction=${value}`));
        const swapped = await other.browser.request(other.page);
        expect(swapped.status, 'signature of another value').to.be.at.least(400);
        expect(swapped.text).to.not.match(/name="csrf"/);
      } finally {
        other.browser.close();
      }
    } finally {
      browser.close();
    }
  });
});
