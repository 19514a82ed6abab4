/** A mail to a tenant's user: times in the tenant's zone (either language, labelled), its name and desk. */
import { expect } from 'chai';
import type { Tenant } from '../../src/domain.js';
import { MailRenderer, tenantMailData } from '../../src/mail/index.js';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';

const tenant = (policy: unknown): Tenant => ({
  id: 'p-31',
  name: 'p-31',
  supportContact: 'さくら銀行 サポートデスク',
  policy: parseTenantPolicy(policy),
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('mail: the tenant’s time zone and brand', function () {
  let renderer: MailRenderer;
  before(async () => {
    renderer = await MailRenderer.load({ serviceName: 'Tobira', supportContact: 'desk@example.jp' });
  });
  const expiresAt = new Date('2026-12-02T12:40:00Z');
  const data = { userId: 'p-31-usr001', terminalNumber: 1, expiresAt };

  it('Tobira defaults: Japan time, labelled, in both languages', function () {
    const t = tenant({});
    expect(renderer.render('certificate_expiry', 'ja', { ...data, ...tenantMailData(t) }).text).to.include(
      '2026年12月2日 21:40（日本時間）',
    );
    const en = renderer.render('certificate_expiry', 'en', { ...data, ...tenantMailData(t) });
    expect(en.text).to.include('2 Dec 2026, 21:40 JST');
    expect(en.text).to.include('Tobira\nContact: さくら銀行 サポートデスク\n');
  });

  it("the tenant's zone whatever the language; its name and support details in the footer", function () {
    const t = tenant({
      timeZone: 'America/New_York',
      branding: {
        displayName: 'Sakura Bank Online',
        support: { phone: '0120-000-000', email: 'desk@sakura.example', hours: '9:00-17:00' },
      },
    });
    const ja = renderer.render('certificate_expiry', 'ja', { ...data, ...tenantMailData(t) });
    expect(ja.text).to.include('2026年12月2日 7:40（米国東部標準時）');
    expect(ja.text).to.include(
      'Sakura Bank Online\nお問い合わせ: さくら銀行 サポートデスク\n電話: 0120-000-000\nメール: desk@sakura.example\n受付時間: 9:00-17:00\n',
    );
    expect(ja.html).to.include('Sakura Bank Online');
    const en = renderer.render('certificate_expiry', 'en', { ...data, ...tenantMailData(t) });
    expect(en.text).to.include('2 Dec 2026, 07:40 EST');
    expect(en.text).to.include('Phone: 0120-000-000\nE-mail: desk@sakura.example\nHours: 9:00-17:00');
  });
});
