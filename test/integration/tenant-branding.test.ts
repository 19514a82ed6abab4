/**
 * Per-tenant branding and time zone over real HTTPS: set through the admin API (refusals with stable
 * codes), served as a stylesheet and logo from 'self', shown on the tenant's own users' pages (login,
 * account pages) and never on another tenant's; times in the tenant's zone, labelled, in ja and en.
 */
import { expect } from 'chai';
import { formatDateTime } from '../../src/i18n/datetime.js';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import { downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { createClient, createUser, type TestUser } from '../helpers/fixtures.js';
import { deliveredTo, mailedLink } from '../helpers/mailbox.js';
import { TestRp } from '../helpers/rp.js';
import { startAdminTobira, type AdminTobira } from '../security/admin-kit.js';
import { PNG_1PX_B64 } from '../helpers/cli-runner.js';

const REDIRECT = 'https://rp.example.test/callback';

const SAKURA = {
  displayName: 'さくら銀行 ログイン',
  primaryColor: '#0B3D91',
  accentColor: '#F39800',
  logo: { contentType: 'image/png', data: PNG_1PX_B64 },
  support: { phone: '0120-111-222', email: 'desk@sakura.example', hours: '平日 9:00〜17:00' },
  termsUrl: 'https://sakura.example/terms',
  privacyUrl: 'https://sakura.example/privacy',
};

describe('tenant branding and time zone (admin API, brand files, pages over HTTPS)', function () {
  let a: AdminTobira;
  let sakura: TestUser;
  let momiji: TestUser;
  const browsers: TestBrowser[] = [];

  const browserOf = (user: TestUser, acceptLanguage = 'ja') => {
    const b = new TestBrowser({
      ca: a.t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
      acceptLanguage,
    });
    browsers.push(b);
    return b;
  };

  /** The account pages' home, signed in through the login with the user's certificate and password. */
  async function accountHome(user: TestUser, acceptLanguage = 'ja'): Promise<BrowserResponse> {
    const b = browserOf(user, acceptLanguage);
    const login = await b.follow(`${a.t.url}/account`, a.t.url);
    const { action, csrf } = formOf(login.text);
    return b.follow(new URL(action, a.t.url).href, a.t.url, {
      form: { csrf, userId: user.account.userId, password: user.password },
    });
  }

  before(async function () {
    a = await startAdminTobira();
    const created = await a
      .api('post', '/tenants')
      .send({
        id: 'p-71',
        name: 'Sakura',
        supportContact: 'さくら銀行 サポートデスク',
        policy: { branding: SAKURA, timeZone: 'Asia/Kolkata' },
      })
      .expect(201);
    expect(created.body.policy.timeZone).to.equal('Asia/Kolkata');
    await a
      .api('post', '/tenants')
      .send({ id: 'p-72', name: 'Momiji', supportContact: 'もみじ証券 お客さま窓口' })
      .expect(201);
    sakura = await createUser(a.t.tobira, {
      tenantId: 'p-71',
      userId: 'p-71-usr001',
      password: 'Sakura-Pass-71',
    });
    momiji = await createUser(a.t.tobira, {
      tenantId: 'p-72',
      userId: 'p-72-usr001',
      password: 'Momiji-Pass-72',
    });
  });

  after(async function () {
    for (const b of browsers) b.close();
    await a?.close();
  });

  it('admin API: sets branding and time zone (merged key by key); shows the logo as metadata, not bytes', async function () {
    const patched = await a
      .api('patch', '/tenants/p-72')
      .send({ policy: { branding: { displayName: 'もみじ証券', primaryColor: '#8A1538' } } })
      .expect(200);
    expect(patched.body.policy.branding).to.deep.equal({
      displayName: 'もみじ証券',
      primaryColor: '#8a1538',
    });
    await a
      .api('patch', '/tenants/p-72')
      .send({ policy: { branding: { termsUrl: 'https://momiji.example/terms' } } })
      .expect(200);
    const shown = await a.api('get', '/tenants/p-71').expect(200);
    const logo = shown.body.policy.branding.logo;
    expect(logo).to.include({ contentType: 'image/png', bytes: Buffer.from(PNG_1PX_B64, 'base64').length });
    expect(logo.url).to.match(/^\/brand\/p-71\/logo\?\w+$/);
    expect(JSON.stringify(shown.body)).not.to.include(PNG_1PX_B64);
    const momijiNow = (await a.api('get', '/tenants/p-72').expect(200)).body.policy;
    expect(momijiNow.branding).to.include({
      displayName: 'もみじ証券',
      termsUrl: 'https://momiji.example/terms',
    });
    expect(momijiNow.timeZone).to.equal('Asia/Tokyo');
  });

  it('admin API: refuses bad values with 400 and a stable code per path; a tenant key may not brand', async function () {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ branding: { primaryColor: 'navy' } }, 'policy.branding.primaryColor', 'branding.bad_colour'],
      [
        { branding: { termsUrl: 'http://sakura.example/terms' } },
        'policy.branding.termsUrl',
        'branding.not_https',
      ],
      [
        { branding: { logo: { contentType: 'image/svg+xml', data: PNG_1PX_B64 } } },
        'policy.branding.logo.contentType',
        'branding.logo_type',
      ],
      [
        // Not base64 past the first bytes: caught by the write-time check (reads only check O(1) facts).
        {
          branding: {
            logo: {
              contentType: 'image/png',
              data: `${PNG_1PX_B64.slice(0, 16)}<sc>${PNG_1PX_B64.slice(16)}`,
            },
          },
        },
        'policy.branding.logo.data',
        'branding.logo_type',
      ],
      [
        { branding: { logo: { contentType: 'image/jpeg', data: PNG_1PX_B64 } } },
        'policy.branding.logo.data',
        'branding.logo_type',
      ],
      [
        {
          branding: {
            logo: { contentType: 'image/png', data: Buffer.alloc(40_000, 1).toString('base64') },
          },
        },
        'policy.branding.logo.data',
        'branding.logo_too_large',
      ],
      [
        { branding: { primaryColor: '#0b3d91', onPrimaryColor: '#333333' } },
        'policy.branding.onPrimaryColor',
        'branding.low_contrast',
      ],
      [
        // Too light for the links it also colours on the page.
        { branding: { primaryColor: '#ffcc00' } },
        'policy.branding.primaryColor',
        'branding.low_contrast',
      ],
      [{ timeZone: 'Tokyo/Japan' }, 'policy.timeZone', 'policy.bad_time_zone'],
    ];
    for (const [policy, path, code] of cases) {
      const res = await a.api('patch', '/tenants/p-72').send({ policy }).expect(400);
      expect(res.body.error, path).to.equal('invalid_request');
      expect(res.body.details, path).to.deep.include.members([
        { path, code, message: res.body.details.find((d: { path: string }) => d.path === path)?.message },
      ]);
    }
    const key = await a.tenantKey('p-72');
    await a
      .api('patch', '/tenants/p-72', key)
      .send({ policy: { branding: { displayName: 'x' } } })
      .expect(403);
    expect((await a.api('get', '/tenants/p-72').expect(200)).body.policy.branding.displayName).to.equal(
      'もみじ証券',
    );
  });

  it('serves the stylesheet and logo from self, cacheable by ETag; nothing for an unknown tenant', async function () {
    const browser = new TestBrowser({ ca: a.t.tobira.ca.certificatePem });
    browsers.push(browser);
    const css = await browser.request(`${a.t.url}/brand/p-71.css`);
    expect(css.status).to.equal(200);
    expect(css.headers['content-type']).to.equal('text/css; charset=utf-8');
    expect(css.text).to.equal(
      ':root {\n  --brand-primary: #0b3d91;\n  --brand-on-primary: #ffffff;\n  --brand-accent: #f39800;\n}\n',
    );
    expect(css.headers['cache-control']).to.equal('public, no-cache');
    const etag = String(css.headers.etag);
    const again = await browser.request(`${a.t.url}/brand/p-71.css`, { headers: { 'if-none-match': etag } });
    expect(again.status).to.equal(304);
    expect((await browser.request(`${a.t.url}/brand/p-72.css`)).text).to.equal(
      ':root {\n  --brand-primary: #8a1538;\n  --brand-on-primary: #ffffff;\n}\n',
    );

    const home = await accountHome(sakura);
    const logoUrl = /<img class="brand-logo" src="([^"]+)"/.exec(home.text)?.[1];
    expect(logoUrl).to.match(/^\/brand\/p-71\/logo\?\w+$/);
    const logo = await browser.request(`${a.t.url}${logoUrl!}`);
    expect(logo.status).to.equal(200);
    expect(logo.headers['content-type']).to.equal('image/png');
    expect(logo.headers['x-content-type-options']).to.equal('nosniff');
    expect(logo.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
    expect(logo.body.equals(Buffer.from(PNG_1PX_B64, 'base64'))).to.equal(true);

    expect((await browser.request(`${a.t.url}/brand/p-72/logo`)).status).to.equal(404);
    expect((await browser.request(`${a.t.url}/brand/p-99.css`)).status).to.equal(404);
    await a.api('post', '/tenants').send({ id: 'p-73', name: 'Plain', supportContact: 'desk-73' });
    expect((await browser.request(`${a.t.url}/brand/p-73.css`)).status, 'no colours: as if unknown').to.equal(
      404,
    );
    expect((await browser.request(`${a.t.url}/brand/..%2Fp-71.css`)).status).to.equal(404);
  });

  it("shows tenant A's name, logo, colours, contact and links to A's user, and none of it to B's", async function () {
    const home = await accountHome(sakura);
    expect(home.status).to.equal(200);
    expect(home.text).to.include('<title>');
    expect(home.text).to.match(/<title>[^<]*さくら銀行 ログイン<\/title>/);
    expect(home.text).to.match(/<link rel="stylesheet" href="\/brand\/p-71\.css\?\w+">/);
    expect(home.text).to.include('さくら銀行 サポートデスク');
    expect(home.text).to.include('0120-111-222');
    expect(home.text).to.include('href="mailto:desk@sakura.example"');
    expect(home.text).to.include('平日 9:00〜17:00');
    expect(home.text).to.include('<a href="https://sakura.example/terms">利用規約</a>');
    expect(home.text).to.include('<a href="https://sakura.example/privacy">プライバシーポリシー</a>');
    expect(home.text).not.to.match(/もみじ|p-72/);

    const other = await accountHome(momiji);
    expect(other.status).to.equal(200);
    expect(other.text).to.include('もみじ証券');
    expect(other.text).to.match(/href="\/brand\/p-72\.css\?\w+"/);
    expect(other.text).to.include('<a href="https://momiji.example/terms">利用規約</a>');
    expect(other.text).not.to.match(/さくら|sakura|p-71/i);
    expect(other.text).not.to.include('class="brand-logo"');
  });

  it("brands the login pages by the relying party's tenant, refusals included; no tenant: Tobira's", async function () {
    const client = await createClient(a.t.tobira, { tenantId: 'p-71', redirectUri: REDIRECT });
    const rp = await TestRp.discover(a.t.url, client, a.t.tobira.ca.certificatePem);
    const own = await browserOf(sakura).follow((await rp.start()).url, a.t.url);
    expect(own.text).to.include('ユーザIDとパスワードを入力してください。');
    expect(own.text).to.include('さくら銀行 ログイン');
    expect(own.text).to.include('/brand/p-71.css');

    // A third-party site of the tenant: its consent page too.
    const thirdParty = await createClient(a.t.tobira, {
      tenantId: 'p-71',
      redirectUri: REDIRECT,
      firstParty: false,
    });
    const rp3 = await TestRp.discover(a.t.url, thirdParty, a.t.tobira.ca.certificatePem);
    const b3 = browserOf(sakura);
    const login3 = await b3.follow((await rp3.start()).url, a.t.url);
    const form3 = formOf(login3.text);
    const consent = await b3.follow(new URL(form3.action, a.t.url).href, a.t.url, {
      form: { csrf: form3.csrf, userId: sakura.account.userId, password: sakura.password },
    });
    expect(consent.url).to.match(/\/interaction\/[^/]+\/consent$/);
    expect(consent.text).to.include('さくら銀行 ログイン');
    expect(consent.text).to.include('/brand/p-71.css');

    // Another tenant's user at this site: the site's brand on the refusal, never the user's tenant's.
    const stranger = await browserOf(momiji).follow((await rp.start()).url, a.t.url);
    expect(stranger.status).to.equal(403);
    expect(stranger.text).to.include('さくら銀行 ログイン');
    expect(stranger.text).not.to.match(/もみじ|p-72/);

    // No relying party's tenant known (the account pages' own client) and no certificate: Tobira's.
    const anonymous = new TestBrowser({ ca: a.t.tobira.ca.certificatePem });
    browsers.push(anonymous);
    const bare = await anonymous.follow(`${a.t.url}/account`, a.t.url);
    expect(bare.status).to.equal(403);
    expect(bare.text).not.to.match(/さくら|もみじ|\/brand\//);
    expect(bare.text).to.include('Tobira');
  });

  it('brands the enrollment, download and download-done pages by the ticket; the mail in its zone', async function () {
    const email = 'p-71-usr002@sakura.example';
    const created = await a.t.tobira.enrollment.createAccount({
      tenantId: 'p-71',
      userId: 'p-71-usr002',
      terminals: [{ email, type: 'pc' }],
      actor: 'test',
    });
    const b = new TestBrowser({ ca: a.t.tobira.ca.certificatePem });
    browsers.push(b);
    const branded = (page: BrowserResponse) => {
      expect(page.text).to.include('さくら銀行 ログイン');
      expect(page.text).to.match(/href="\/brand\/p-71\.css\?\w+"/);
      expect(page.text).not.to.match(/もみじ/);
    };
    branded(await b.request(created.enrollmentUrl));
    const done = await enrollThroughPages(b, a.t.url, created);
    branded(done);
    const link = await mailedLink(a.t, email, 'download');
    const [mail] = await deliveredTo(a.t, email);
    expect(mail!.text).to.include('（インド標準時）');
    expect(mail!.text).to.include(
      'さくら銀行 ログイン\nお問い合わせ: さくら銀行 サポートデスク\n電話: 0120-111-222',
    );
    const form = await b.request(link);
    branded(form);
    const { action, csrf } = formOf(form.text);
    const sent = await b.request(new URL(action, a.t.url).href, {
      form: { csrf, password: downloadPasswordOn(done) },
      headers: { 'sec-fetch-mode': 'navigate' },
    });
    expect(sent.status).to.equal(303);
    branded(await b.request(new URL(sent.location!, a.t.url).href));
  });

  it("shows times in the tenant's zone with its label, in Japanese and in English", async function () {
    const expiry = sakura.certificate.notAfter;
    const ja = await accountHome(sakura, 'ja');
    expect(ja.text).to.include(formatDateTime(expiry, 'ja', 'Asia/Kolkata', { seconds: true }));
    expect(ja.text).to.include('（インド標準時）');
    expect(ja.text).not.to.include('日本時間');
    const en = await accountHome(sakura, 'en');
    expect(en.text).to.include(formatDateTime(expiry, 'en', 'Asia/Kolkata', { seconds: true }));
    expect(en.text).to.match(/\d{2}:\d{2}:\d{2} GMT\+5:30/);
    expect(en.text).to.include('<a href="https://sakura.example/terms">Terms of use</a>');

    // The default zone, labelled too, whatever the language.
    const momijiEn = await accountHome(momiji, 'en');
    expect(momijiEn.text).to.include(
      formatDateTime(momiji.certificate.notAfter, 'en', 'Asia/Tokyo', { seconds: true }),
    );
    expect(momijiEn.text).to.match(/\d{2}:\d{2}:\d{2} JST/);
    const momijiJa = await accountHome(momiji, 'ja');
    expect(momijiJa.text).to.match(/\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}:\d{2}（日本時間）/);
  });
});
