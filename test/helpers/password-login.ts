/** A login with the user's certificate and password through a relying party, over real HTTPS. */
import { TestBrowser, formOf, type BrowserResponse } from './browser.js';
import type { TestUser } from './fixtures.js';
import type { AuthorizationStart, TestRp } from './rp.js';
import type { TestTobira } from './tobira.js';

const CALLBACK = /^https:\/\/rp\.example\.test\/cb\?code=/;

export interface PasswordForm {
  browser: TestBrowser;
  auth: AuthorizationStart;
  /** Posts the form with the user's ID and `password`; the response, not followed. */
  submit(password: string): Promise<BrowserResponse>;
}

/** A browser holding the user's certificate, at the password form of a new authorization request. */
export async function openPasswordForm(t: TestTobira, rp: TestRp, user: TestUser): Promise<PasswordForm> {
  const browser = new TestBrowser({
    ca: t.tobira.ca.certificatePem,
    pfx: user.p12,
    passphrase: user.p12Password,
  });
  const auth = await rp.start();
  const { action, csrf } = formOf((await browser.follow(auth.url, t.url)).text);
  return {
    browser,
    auth,
    submit: (password) =>
      browser.follow(new URL(action, t.url).href, t.url, {
        form: { csrf, userId: user.account.userId, password },
      }),
  };
}

/** The whole login: password, code (redirect URI https://rp.example.test/cb), token, userinfo's `sub`. */
export async function passwordLogin(
  t: TestTobira,
  rp: TestRp,
  user: TestUser,
  password: string,
): Promise<string> {
  const form = await openPasswordForm(t, rp, user);
  try {
    const back = await form.submit(password);
    if (!back.location || !CALLBACK.test(back.location))
      throw new Error(`the login did not redirect to the RP with a code (status ${back.status})`);
    const { userinfo } = await rp.finish(back.location, form.auth);
    return userinfo.sub;
  } finally {
    form.browser.close();
  }
}
