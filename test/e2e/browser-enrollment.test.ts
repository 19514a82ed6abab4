/**
 * Enrollment in a real browser on a phone-sized screen: 初回認証 → 認証情報登録 → 完了 in Chromium, the
 * mailed download link, the download password, the .p12 as the browser saves it — then that very
 * file as Chromium's client certificate for a login at the demo relying party.
 */
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  accessibilityViolations,
  launchChromium,
  startTobiraWithDemoRp,
  type DemoRp,
} from '../helpers/chromium.js';
import { TestBrowser } from '../helpers/browser.js';
import { downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { mailedLink } from '../helpers/mailbox.js';
import type { TestTobira } from '../helpers/tobira.js';

const OUT = path.resolve('test-output');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describe('browser: enrollment and certificate download in Chromium', function () {
  let t: TestTobira;
  let browser: Browser;
  let rp: DemoRp;

  before(async function () {
    await mkdir(OUT, { recursive: true });
    ({ t, rp } = await startTobiraWithDemoRp('p-11'));
    browser = await launchChromium();
  });
  after(async function () {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  it('walks the manual’s steps, downloads the .p12 and signs in with it', async function () {
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-11',
      userId: 'p-11-phone',
      terminals: [{ email: 'phone@example.jp', type: 'smartphone' }],
      actor: 'test',
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP', ...PHONE });
    const page = await context.newPage();
    const noSideScroll = async () =>
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(390);
    const a11y: string[] = [];
    const audit = async (name: string) =>
      a11y.push(...(await accessibilityViolations(page)).map((v) => `${name}: ${v}`));

    await page.goto(created.enrollmentUrl);
    expect(await page.textContent('main')).to.include('p-11-phone');
    await audit('初回認証');
    await page.fill('#otp', created.oneTimePassword);
    await Promise.all([page.waitForSelector('#questionId'), page.click('button[type=submit]')]);
    await noSideScroll();
    await audit('認証情報登録');
    await page.fill('#password', 'Keitai-Touroku-2026');
    await page.fill('#confirmation', 'Keitai-Touroku-2026');
    await page.selectOption('#questionId', 'first_car');
    await page.fill('#answer', 'ミニ');
    await Promise.all([
      page.waitForSelector('[data-testid=download-password]'),
      page.click('button[type=submit]'),
    ]);
    const downloadPassword = (await page.textContent('[data-testid=download-password]'))!.trim();
    expect(downloadPassword).to.have.length(12);
    await noSideScroll();
    await audit('認証情報登録完了');
    await page.screenshot({ path: path.join(OUT, 'enrollment-done-phone.png'), fullPage: true });

    await page.goto(await mailedLink(t, 'phone@example.jp', 'download'));
    await audit('ダウンロード');
    await page.fill('#password', downloadPassword);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'ダウンロード', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).to.equal('p-11-phone-1.p12');
    const pfxPath = path.join(t.dataDir, 'from-browser.p12');
    await download.saveAs(pfxPath);
    await context.close();
    expect(a11y, 'axe-core (WCAG 2.1 AA) on every enrollment page').to.deep.equal([]);

    // The file exactly as the browser saved it, imported as this browser's certificate.
    const user = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale: 'ja-JP',
      clientCertificates: [{ origin: t.url, pfxPath, passphrase: downloadPassword }],
    });
    const login = await user.newPage();
    await login.goto(`${rp.url}/login`);
    await login.fill('input[name=userId]', 'p-11-phone');
    await login.fill('input[name=password]', 'Keitai-Touroku-2026');
    await Promise.all([login.waitForURL(`${rp.url}/callback**`), login.click('button[type=submit]')]);
    expect(await login.textContent('body')).to.include('p-11-phone');
    await user.close();
  });

  it('after a wrong then the right download password: the file, and a “downloaded; next: install” page', async function () {
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-11',
      userId: 'p-11-retry',
      terminals: [{ email: 'retry@example.jp', type: 'smartphone' }],
      actor: 'test',
    });
    const pages = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    const downloadPassword = downloadPasswordOn(await enrollThroughPages(pages, t.url, created));
    pages.close();
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP', ...PHONE });
    const page = await context.newPage();
    await page.goto(await mailedLink(t, 'retry@example.jp', 'download'));
    await page.fill('#password', 'not-the-password');
    await Promise.all([page.waitForSelector('.alert.error'), page.click('button[type=submit]')]);
    await page.fill('#password', downloadPassword);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'ダウンロード', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).to.equal('p-11-retry-1.p12');
    expect((await download.createReadStream()).readable).to.equal(true);
    await page.waitForSelector('.alert.success');
    const main = (await page.textContent('main'))!;
    expect(main).to.include('「p-11-retry-1.p12」をダウンロードしました。').and.include('インストール');
    expect(await page.locator('.alert.error').count(), 'no earlier error left').to.equal(0);
    expect(await page.locator('main button, main input').count(), 'no form left to submit').to.equal(0);
    expect(await page.getAttribute('main a.button', 'href')).to.equal('/guide');
    expect(await accessibilityViolations(page), 'axe-core on the done page').to.deep.equal([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(390);
    await page.screenshot({ path: path.join(OUT, 'download-done-phone.png'), fullPage: true });
    await page.reload();
    expect(
      await page.textContent('main'),
      'a reload keeps the state, the file is not served again',
    ).to.include('ダウンロードしました');
    expect(await page.locator('main a[href$="/file"]').count()).to.equal(0);
    await context.close();
  });
});
