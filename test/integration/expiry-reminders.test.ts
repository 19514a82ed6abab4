/**
 * The certificate expiry reminder over a real SMTP server: the app's job mails the terminal's address
 * once, in Japanese, with the user ID, terminal number, expiry in Japan time and the support desk.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/clock.js';
import { createTenant, createUser } from '../helpers/fixtures.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const DAY = 86_400_000;

describe('certificate expiry reminder mail', function () {
  let smtp: TestSmtp;
  let t: TestTobira;
  const clock = new ManualClock(new Date());

  before(async function () {
    smtp = await startSmtp();
    t = await startTestTobira({ config: { smtpUrl: smtp.url }, clock });
    await createTenant(t.tobira, 'p-86');
  });
  after(async function () {
    await t?.close();
    await smtp?.close();
  });

  it('arrives once, 7 days before the end, with the way to renew', async function () {
    const u = await createUser(t.tobira, {
      tenantId: 'p-86',
      userId: 'p-86-usr001',
      password: 'Expiring-Pass-1',
      email: 'expiring@example.jp',
    });
    const notAfter = u.certificate.notAfter;
    clock.set(notAfter.getTime() - 6 * DAY);
    expect(await t.tobira.expiryReminders.runOnce()).to.equal(1);
    expect(await t.tobira.expiryReminders.runOnce(), 'not twice').to.equal(0);
    const [mail] = (await smtp.waitFor(1)).filter(
      (m) => m.subject === '電子証明書の有効期限が近づいています',
    );
    expect((mail!.to as { text: string }).text).to.equal('expiring@example.jp');
    const jst = new Intl.DateTimeFormat('ja-JP', {
      timeZone: 'Asia/Tokyo',
      dateStyle: 'long',
      timeStyle: 'short',
    }).format(notAfter);
    expect(mail!.text).to.include('p-86-usr001 様');
    expect(mail!.text).to.match(/●端末No\n1\n/);
    expect(mail!.text).to.include(`${jst}（日本時間）`);
    expect(mail!.text).to.include('サポート窓口へ電子証明書の再発行をお申し込みください');
    expect(mail!.text).to.include('サポート窓口: support-p-86@example.jp');
    expect(mail!.html).to.include('support-p-86@example.jp');
  });
});
