/** Enrollment through the real pages, for tests that need an enrolled account and its mails. */
import { formOf, type BrowserResponse, type TestBrowser } from './browser.js';

export const GOOD = {
  password: 'Enroll-Pass-2026',
  confirmation: 'Enroll-Pass-2026',
  questionId: 'first_car',
  answer: 'ミニ',
};

/** 初回認証 then 認証情報登録 with GOOD credentials, for tests that only need an enrolled account. */
export async function enrollThroughPages(
  b: TestBrowser,
  baseUrl: string,
  created: { enrollmentUrl: string; oneTimePassword: string },
): Promise<BrowserResponse> {
  const submit = (page: BrowserResponse, fields: Record<string, string>) =>
    b.request(new URL(formOf(page.text).action, baseUrl).href, {
      form: { csrf: formOf(page.text).csrf, ...fields },
    });
  const next = await submit(await b.request(created.enrollmentUrl), { otp: created.oneTimePassword });
  return submit(await b.request(next.location!), GOOD);
}

/** The download password the 認証情報登録完了 page shows once. */
export const downloadPasswordOn = (done: BrowserResponse): string =>
  /data-testid="download-password">([^<]+)</.exec(done.text)![1]!;

/** The first `https://…/<kind>/<token>` link in a mail. */
export const linkIn = (text: string, kind: string) =>
  new RegExp(`https://\\S+/${kind}/[A-Za-z0-9_-]+`).exec(text)?.[0];
