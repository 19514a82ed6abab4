/**
 * The CSR alternative on the download page (SPEC §3.6): the user follows the page's own OpenSSL
 * commands, pastes the request, gets a certificate for a key that never left the device, combines it
 * into a .p12 with OpenSSL and signs in through OIDC with it.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import { GOOD, downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { createClient, createTenant } from '../helpers/fixtures.js';
import { mailedLink } from '../helpers/mailbox.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const run = promisify(execFile);
const unescape = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');

describe('certificate from the user’s own CSR', function () {
  let t: TestTobira;
  const browsers: TestBrowser[] = [];
  const browser = (options: { pfx?: Buffer; passphrase?: string; acceptLanguage?: string } = {}) => {
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem, ...options });
    browsers.push(b);
    return b;
  };

  before(async function () {
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-60', { lockout: { maxDownloadPasswordFailures: 3 } });
  });
  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
  });

  /** An enrolled account, its download page and the password shown at the end of enrollment. */
  async function enrolled(userId: string, b: TestBrowser) {
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-60',
      userId,
      terminals: [{ email: `${userId}@example.jp`, type: 'pc' }],
      actor: 'test',
    });
    const downloadPassword = downloadPasswordOn(await enrollThroughPages(b, t.url, created));
    const downloadUrl = await mailedLink(t, `${userId}@example.jp`, 'download');
    return { created, downloadPassword, downloadUrl, page: await b.request(downloadUrl) };
  }
  const submitCsr = (b: TestBrowser, page: BrowserResponse, fields: { password: string; csr: string }) => {
    const csrForm = [...page.text.matchAll(/<form method="post" action="([^"]+)"/g)].find((m) =>
      m[1]!.endsWith('/csr'),
    )!;
    return b.request(new URL(csrForm[1]!, t.url).href, { form: { csrf: formOf(page.text).csrf, ...fields } });
  };

  it('issues for the pasted CSR, and the page’s own OpenSSL steps make a .p12 that signs in', async function () {
    const b = browser();
    const { created, downloadPassword, downloadUrl, page } = await enrolled('p-60-csr001', b);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('秘密鍵を端末で作成する場合（CSR）');

    // The commands exactly as the page shows them, run in a scratch folder.
    const commands = [...page.text.matchAll(/<pre><code>([^<]+)<\/code><\/pre>/g)].map((m) =>
      unescape(m[1]!),
    );
    expect(commands).to.have.length(2);
    const shell = (command: string) => run('sh', ['-c', command], { cwd: t.dataDir });
    await shell(commands[0]!);
    const csr = await readFile(path.join(t.dataDir, 'tobira.csr'), 'utf8');

    const wrong = await submitCsr(b, page, { password: 'not-the-password', csr });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include('あと 2 回');
    const garbled = await submitCsr(b, wrong, { password: downloadPassword, csr: csr.slice(0, 200) });
    expect(garbled.status).to.equal(400);
    expect(garbled.text).to.include('CSR を確認できませんでした');
    expect(garbled.text, 'the pasted text is kept for correction').to.include(csr.slice(0, 60));

    const file = await submitCsr(b, garbled, { password: downloadPassword, csr });
    expect(file.status).to.equal(200);
    expect(file.headers['content-type']).to.equal('application/x-pem-file');
    expect(file.headers['content-disposition']).to.equal(`attachment; filename="p-60-csr001-1.pem"`);
    await writeFile(path.join(t.dataDir, 'p-60-csr001-1.pem'), file.body);
    await writeFile(path.join(t.dataDir, 'ca.pem'), t.tobira.ca.certificatePem);
    const verified = await run('openssl', ['verify', '-CAfile', 'ca.pem', 'p-60-csr001-1.pem'], {
      cwd: t.dataDir,
    });
    expect(verified.stdout).to.include(': OK');
    const leaf = new X509Certificate(file.body);
    expect(leaf.subject).to.include('CN=p-60-csr001 #1');
    expect(leaf.subjectAltName).to.equal('email:p-60-csr001@example.jp');

    const again = await b.request(downloadUrl);
    expect(again.status, 'the link is used up').to.equal(410);
    const [terminal] = await t.tobira.store.listTerminals(created.account.id);
    expect(terminal!.pendingDownload, 'the server-made key is gone').to.equal(null);

    await shell(`${commands[1]!} -passout pass:device-pass`);
    const p12 = await readFile(path.join(t.dataDir, 'tobira.p12'));
    const client = await createClient(t.tobira, {
      tenantId: 'p-60',
      redirectUri: 'https://rp.example.test/cb',
    });
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const user = browser({ pfx: p12, passphrase: 'device-pass' });
    const start = await rp.start();
    const login = await user.follow(start.url, t.url);
    expect(login.status).to.equal(200);
    const { action, csrf } = formOf(login.text);
    const back = await user.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: 'p-60-csr001', password: GOOD.password },
    });
    const { claims } = await rp.finish(back.location!, start);
    expect(claims.preferred_username).to.equal('p-60-csr001');
    expect(claims['x5t#S256']).to.equal(
      Buffer.from(leaf.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url'),
    );
  });

  it('explains a refused CSR in English too, and a refused CSR costs none of the link’s tries', async function () {
    const b = browser({ acceptLanguage: 'en' });
    const { downloadPassword, page } = await enrolled('p-60-csr002', b);
    let current = page;
    for (let i = 0; i < 4; i += 1) {
      current = await submitCsr(b, current, { password: downloadPassword, csr: 'hello' });
      expect(current.status).to.equal(400);
    }
    expect(current.text).to.include('The CSR could not be used');
    const download = await b.request(new URL(formOf(current.text).action, t.url).href, {
      form: { csrf: formOf(current.text).csrf, password: downloadPassword },
    });
    expect(download.status, 'the PKCS#12 is still there for the taking').to.equal(200);
    expect(download.headers['content-type']).to.equal('application/x-pkcs12');
  });
});
