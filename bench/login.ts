/** One full login as a fresh browser would make it: authorization request → certificate → password → code. */
import { TestBrowser, formOf } from '../test/helpers/browser.js';
import type { TestUser } from '../test/helpers/fixtures.js';
import type { TestRp } from '../test/helpers/rp.js';
import { ms } from './stats.js';

export async function loginOnce(
  target: { rp: TestRp; url: string; caPem: string; password: string },
  user: TestUser,
): Promise<number> {
  const browser = new TestBrowser({ ca: target.caPem, pfx: user.p12, passphrase: user.p12Password });
  try {
    const start = process.hrtime.bigint();
    const auth = await target.rp.start();
    const page = await browser.follow(auth.url, target.url);
    const { action, csrf } = formOf(page.text);
    const back = await browser.follow(new URL(action, target.url).href, target.url, {
      form: { csrf, userId: user.account.userId, password: target.password },
    });
    if (!back.location?.startsWith('https://rp.example.test/cb?code='))
      throw new Error(`login failed: ${back.status}`);
    await target.rp.finish(back.location, auth);
    return ms(start);
  } finally {
    browser.close();
  }
}
