/**
 * The manual walk (test/e2e/manual-walk.test.ts): one Tobira with the real SMTP helper, the demo
 * relying party and an admin API key; Chromium pages checked the same way at every step — the main
 * heading, axe-core at 390 px and 1280 px, nothing wider than a phone's viewport, and a screenshot of
 * each width in test-output/manual/<lang>/.
 */
import { expect } from 'chai';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as OTPAuth from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { t as message, type Locale } from '../../src/i18n/index.js';
import { newToken, sha256Hex } from '../../src/random.js';
import { accessibilityViolations, launchChromium, startTobiraWithDemoRp, type DemoRp } from './chromium.js';
import { startSmtp, type TestSmtp } from './smtp.js';
import type { TestTobira } from './tobira.js';

export const TENANT = 'p-20';
/** The tenant locks after this many wrong passwords (the lock page is one of the manual's pages). */
export const MAX_PASSWORD_FAILURES = 3;
const WIDTHS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;

export interface WalkWorld {
  t: TestTobira;
  smtp: TestSmtp;
  rp: DemoRp;
  browser: Browser;
  apiKey: string;
  close(): Promise<void>;
}

export async function startWalkWorld(): Promise<WalkWorld> {
  // Whatever started is closed again when a later part fails (Chromium missing, say): a server left
  // open would keep mocha from exiting after the failed hook.
  const started: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const part of started.reverse()) await part.close();
  };
  try {
    const smtp = await startSmtp();
    started.push(smtp);
    const { t, rp } = await startTobiraWithDemoRp(TENANT, {
      config: { smtpUrl: smtp.url },
      policy: { features: { maxTerminals: 3 }, lockout: { maxPasswordFailures: MAX_PASSWORD_FAILURES } },
    });
    started.push(t, rp);
    const apiKey = newToken(32);
    await t.tobira.store.createApiKey(
      { id: 'walk-desk', keyHash: sha256Hex(apiKey), label: 'desk' },
      new Date(),
    );
    const browser = await launchChromium();
    started.push(browser);
    return { t, smtp, rp, browser, apiKey, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** One language's walk: numbered screenshots, and every finding kept for one assertion at the end. */
export class Walk {
  readonly findings: string[] = [];
  readonly #seenLinks = new Set<string>();
  #step = 0;

  private constructor(
    readonly world: WalkWorld,
    readonly lang: Locale,
    readonly out: string,
  ) {}

  static async start(world: WalkWorld, lang: Locale): Promise<Walk> {
    const out = path.resolve('test-output', 'manual', lang);
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    return new Walk(world, lang, out);
  }

  /** The catalog text of `key` in this walk's language (what a heading must say, whatever its styling). */
  text(key: string, params?: Record<string, string | number>): string {
    return message(this.lang, key, params);
  }

  /** A browser context in this language, at phone width, presenting `certificate` to Tobira if given. */
  context(certificate?: { pfx: Buffer; passphrase: string }): Promise<BrowserContext> {
    return this.world.browser.newContext({
      ignoreHTTPSErrors: true,
      locale: this.lang === 'ja' ? 'ja-JP' : 'en-US',
      viewport: WIDTHS[0],
      acceptDownloads: true,
      ...(certificate
        ? {
            clientCertificates: [
              { origin: this.world.t.url, pfx: certificate.pfx, passphrase: certificate.passphrase },
            ],
          }
        : {}),
    });
  }

  /**
   * The page as the manual shows it: its main heading says `headingKey`'s text; at both widths axe
   * finds nothing and a screenshot is saved; at 390 px nothing overflows sideways.
   */
  async page(page: Page, slug: string, headingKey: string): Promise<void> {
    this.#step += 1;
    const name = `${String(this.#step).padStart(2, '0')}-${slug}`;
    const heading = await page.locator('main').getByRole('heading', { level: 1 }).first().textContent();
    expect(heading, `${this.lang} ${name}: main heading (${page.url()})`).to.include(this.text(headingKey));
    if (this.lang === 'en') {
      // English pages read as English: no Japanese left in the page's own text.
      const japanese = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]+/.exec(
        (await page.textContent('main')) ?? '',
      );
      if (japanese) this.findings.push(`${name}: Japanese text in English: ${japanese[0]}`);
    }
    for (const size of WIDTHS) {
      await page.setViewportSize(size);
      if (size.width === 390) {
        const wide = await page.evaluate<{ scroll: number; inner: number }>(
          '({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth })',
        );
        if (wide.scroll > wide.inner)
          this.findings.push(`${name}: ${wide.scroll} px wide at a ${wide.inner} px viewport`);
      }
      for (const v of await accessibilityViolations(page)) this.findings.push(`${name} @${size.width}: ${v}`);
      await page.screenshot({ path: path.join(this.out, `${name}-${size.width}.png`), fullPage: true });
    }
    await page.setViewportSize(WIDTHS[0]);
  }

  /** Submit the form whose action ends with `action` (its main submit button) and wait for the next page. */
  async submit(page: Page, action: string, button = 'button[type=submit]:not([name=back])'): Promise<void> {
    const form = page.locator(`form[action$="${action}"]`).first();
    await Promise.all([page.waitForNavigation(), form.locator(button).first().click()]);
  }

  /** The newest `https://…/<kind>/<token>` link mailed to `to` that this walk has not followed yet. */
  async mailedLink(to: string, kind: string): Promise<{ url: string; text: string }> {
    const pattern = new RegExp(`https://\\S+/${kind}/[A-Za-z0-9_-]+`);
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      for (const mail of [...this.world.smtp.messages].reverse()) {
        if ((mail.to as { text: string } | undefined)?.text !== to) continue;
        const url = pattern.exec(mail.text ?? '')?.[0];
        if (url && !this.#seenLinks.has(url)) {
          this.#seenLinks.add(url);
          return { url, text: mail.text ?? '' };
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no new ${kind} link mailed to ${to}`);
  }
}

/** The TOTP time step (30 s) the clock is in now. */
export const currentStep = (): number => Math.floor(Date.now() / 30_000);

/** The 6-digit code an authenticator holding `manualKey` shows in time step `step`. */
export function totpCode(manualKey: string, step = currentStep()): string {
  const secret = OTPAuth.Secret.fromBase32(manualKey.replace(/\s+/g, ''));
  const totp = new OTPAuth.TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' });
  return totp.generate({ timestamp: step * 30_000 });
}
