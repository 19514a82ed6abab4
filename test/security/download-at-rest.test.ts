/**
 * The file a navigating browser fetches from 「ダウンロード完了」 waits for that one fetch sealed with the
 * data key, bound to its link — never as the PKCS#12 itself in the store's short-lived state.
 */
import { expect } from 'chai';
import { TestBrowser, formOf } from '../helpers/browser.js';
import { downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { createTenant } from '../helpers/fixtures.js';
import { mailedLink } from '../helpers/mailbox.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('security: the downloaded file at rest', function () {
  let t: TestTobira;

  before(async function () {
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-dl');
  });
  after(async function () {
    await t?.close();
  });

  it('keeps the file for the done page sealed, opens it once, then keeps nothing', async function () {
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-dl',
      userId: 'p-dl-usr001',
      terminals: [{ email: 'dl@example.jp', type: 'pc' }],
      actor: 'test',
    });
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      const password = downloadPasswordOn(await enrollThroughPages(b, t.url, created));
      const link = await mailedLink(t, 'dl@example.jp', 'download');
      const form = await b.request(link);
      const posted = await b.request(new URL(formOf(form.text).action, t.url).href, {
        form: { csrf: formOf(form.text).csrf, password },
        headers: { 'sec-fetch-mode': 'navigate' },
      });
      expect(posted.status).to.equal(303);

      const kept = await t.tobira.store.getState(
        'TobiraFormSession',
        b.cookies.get('tobira_form')!,
        t.tobira.clock.now(),
      );
      const body = String((kept?.data as { body?: string } | undefined)?.body);
      expect(body, 'something is kept for the one fetch').to.have.length.above(100);
      // PKCS#12 is a DER SEQUENCE (0x30 0x82 …); as base64 it would start with "MII".
      expect(body.startsWith('MII'), 'not the PKCS#12 in base64').to.equal(false);
      expect(Buffer.from(body, 'base64').subarray(0, 2).toString('hex')).to.not.equal('3082');

      // The link alone opens neither the done page nor the file: they belong to the browser that
      // gave the download password (its form session), not to whoever holds the URL.
      const fileUrl = new URL(`${new URL(link).pathname}/file`, t.url).href;
      const stranger = new TestBrowser({ ca: t.tobira.ca.certificatePem });
      try {
        for (const url of [fileUrl, new URL(`${new URL(link).pathname}/done`, t.url).href]) {
          const refused = await stranger.request(url);
          expect(refused.status, url).to.not.equal(200);
          expect(refused.body.subarray(0, 2).toString('hex')).to.not.equal('3082');
        }
      } finally {
        stranger.close();
      }

      const file = await b.request(fileUrl);
      expect(file.status).to.equal(200);
      expect(file.body.subarray(0, 2).toString('hex'), 'the PKCS#12 itself').to.equal('3082');
      const after = await t.tobira.store.getState(
        'TobiraFormSession',
        b.cookies.get('tobira_form')!,
        t.tobira.clock.now(),
      );
      expect((after?.data as { body?: string } | undefined)?.body).to.equal(undefined);
    } finally {
      b.close();
    }
  });
});
