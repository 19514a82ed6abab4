/**
 * README's "Enroll a user the way the service does", followed on a real Tobira over HTTPS: the demo
 * data of `npm start`, `tobira account create` in the demo tenant p-00, enrollment through the pages,
 * the download link from the mail folder, and a login at the demo site's client — a certificate is
 * for its own tenant's websites, so the walkthrough enrolls in the demo site's tenant.
 */
import { expect } from 'chai';
import { accountCreate } from '../../src/cli/account-commands.js';
import { ensureDemo } from '../../src/services/demo.js';
import { TestBrowser, formOf } from '../helpers/browser.js';
import { GOOD, downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { mailedLink } from '../helpers/mailbox.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('README walkthrough: enroll a user, then sign in at the demo site', function () {
  this.timeout(30_000);
  let t: TestTobira;
  const browsers: TestBrowser[] = [];
  const browser = (options: { pfx?: Buffer; passphrase?: string } = {}) => {
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem, ...options });
    browsers.push(b);
    return b;
  };

  before(async () => (t = await startTestTobira()));
  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
  });

  it('tobira account create --tenant p-00 … → enrollment → mailed download → login at the demo client', async function () {
    const demo = await ensureDemo(t.tobira, { redirectUri: 'http://localhost:3000/callback' });
    const printed: string[] = [];
    await accountCreate(
      t.tobira,
      ['--tenant', 'p-00', '--user', 'p-00-usr012', '--email', 'you@example.jp', '--json'],
      (line) => printed.push(line),
    );
    const created = JSON.parse(printed.join('\n')) as { enrollmentUrl: string; oneTimePassword: string };

    const b = browser();
    const done = await enrollThroughPages(b, t.url, created);
    const downloadPassword = downloadPasswordOn(done);

    // With no SMTP server the mail 「電子証明書ダウンロードのご案内」 is written to <dataDir>/mail/*.eml.
    const downloadPage = await b.request(await mailedLink(t, 'you@example.jp', 'download'));
    const { action, csrf } = formOf(downloadPage.text);
    const file = await b.request(new URL(action, t.url).href, { form: { csrf, password: downloadPassword } });
    expect(file.headers['content-type']).to.equal('application/x-pkcs12');

    // The demo site's own client (demo-rp, tenant p-00), as `npm start` registered it.
    const rp = await TestRp.discover(t.url, demo, t.tobira.ca.certificatePem);
    const user = browser({ pfx: file.body, passphrase: downloadPassword });
    const start = await rp.start();
    const login = await user.follow(start.url, t.url);
    const form = formOf(login.text);
    const back = await user.follow(new URL(form.action, t.url).href, t.url, {
      form: { csrf: form.csrf, userId: 'p-00-usr012', password: GOOD.password },
    });
    expect(back.location).to.match(/^http:\/\/localhost:3000\/callback\?code=/);
    const { claims } = await rp.finish(back.location!, start);
    expect(claims).to.include({ preferred_username: 'p-00-usr012', email: 'you@example.jp', tenant: 'p-00' });
  });
});
