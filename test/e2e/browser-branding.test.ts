/**
 * A tenant's brand in Chromium: the per-tenant stylesheet and logo load under the pages' CSP (from
 * 'self'), the custom properties reach the page, axe-core stays clean with the brand's colours, at a
 * phone's and a desktop's width in both languages. Screenshots: test-output/branding-*.png.
 */
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { accessibilityViolations, launchChromium } from '../helpers/chromium.js';
import { createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';
import { PNG_1PX_B64 } from '../helpers/cli-runner.js';

const OUT = path.resolve('test-output');

describe('browser: a tenant’s brand in Chromium (CSP, custom properties, axe-core)', function () {
  let t: TestTobira;
  let browser: Browser;
  let user: TestUser;
  let pfxPath: string;

  before(async function () {
    await mkdir(OUT, { recursive: true });
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-74', {
      timeZone: 'Asia/Tokyo',
      branding: {
        displayName: 'やまぶき信用金庫',
        primaryColor: '#8a1538',
        // Only a border: no text on it, so a light accent is fine.
        accentColor: '#ffcc00',
        logo: { contentType: 'image/png', data: PNG_1PX_B64 },
        support: { phone: '0120-333-444', email: 'desk@yamabuki.example', hours: '平日 9:00〜17:00' },
        termsUrl: 'https://yamabuki.example/terms',
        privacyUrl: 'https://yamabuki.example/privacy',
      },
    });
    user = await createUser(t.tobira, {
      tenantId: 'p-74',
      userId: 'p-74-usr001',
      password: 'Yamabuki-Pass-74',
    });
    pfxPath = path.join(t.dataDir, 'user.p12');
    await writeFile(pfxPath, user.p12);
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await t?.close();
  });

  it('loads the brand stylesheet and logo, and passes axe-core, at 390 px and 1280 px in ja and en', async function () {
    const found: string[] = [];
    for (const locale of ['ja-JP', 'en-US'])
      for (const [width, height] of [
        [390, 844],
        [1280, 900],
      ] as const) {
        const context = await browser.newContext({
          ignoreHTTPSErrors: true,
          locale,
          viewport: { width, height },
          clientCertificates: [{ origin: t.url, pfxPath, passphrase: user.p12Password }],
        });
        const page = await context.newPage();
        const blocked: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
        });
        await page.goto(`${t.url}/account`);
        await page.fill('input[name=userId]', 'p-74-usr001');
        await page.fill('input[name=password]', 'Yamabuki-Pass-74');
        await Promise.all([page.waitForURL(`${t.url}/account`), page.click('button[type=submit]')]);
        const props = await page.evaluate(`(() => {
          const s = getComputedStyle(document.documentElement);
          const img = document.querySelector('img.brand-logo');
          return {
            primary: s.getPropertyValue('--brand-primary').trim(),
            onPrimary: s.getPropertyValue('--brand-on-primary').trim(),
            accent: s.getPropertyValue('--brand-accent').trim(),
            logoLoaded: !!img && img.complete && img.naturalWidth === 1,
          };
        })()`);
        expect(props).to.deep.equal({
          primary: '#8a1538',
          onPrimary: '#ffffff',
          accent: '#ffcc00',
          logoLoaded: true,
        });
        expect(blocked, 'nothing blocked by the CSP').to.deep.equal([]);
        expect(await page.title()).to.include('やまぶき信用金庫');
        expect(await page.textContent('footer')).to.include('0120-333-444');
        for (const url of ['/account', '/account/history']) {
          await page.goto(`${t.url}${url}`);
          found.push(...(await accessibilityViolations(page)).map((v) => `${locale} ${width} ${url}: ${v}`));
          await page.screenshot({
            path: path.join(
              OUT,
              `branding-${url.replace(/\W+/g, '-').slice(1)}-${locale.slice(0, 2)}-${width}.png`,
            ),
            fullPage: true,
          });
        }
        await context.close();
      }
    expect(found).to.deep.equal([]);
  });
});
