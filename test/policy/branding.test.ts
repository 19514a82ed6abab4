/** Tenant branding and time zone: the pure parts (schema refusals with codes, contrast, stylesheet, times). */
import { expect } from 'chai';
import { z } from 'zod';
import { canonicalTimeZone, formatDateTime } from '../../src/i18n/datetime.js';
import {
  BRANDING_CODES,
  LOGO_MAX_BYTES,
  brandStylesheet,
  contrastRatio,
  issueCodeOf,
  onColour,
} from '../../src/policy/branding.js';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(24)]);
const JPEG = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), Buffer.alloc(24)]);

/** The stable codes of a refused policy, by path. */
function refusals(policy: unknown): Record<string, string | undefined> {
  try {
    parseTenantPolicy(policy);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    return Object.fromEntries(error.issues.map((i) => [i.path.join('.'), issueCodeOf(i)]));
  }
  throw new Error('accepted');
}

describe('tenant branding and time zone (pure)', function () {
  it('defaults: no branding, Asia/Tokyo', function () {
    const p = parseTenantPolicy({});
    expect(p.branding).to.deep.equal({});
    expect(p.timeZone).to.equal('Asia/Tokyo');
  });

  it('accepts a full brand; colours lower-cased, zone canonical', function () {
    const p = parseTenantPolicy({
      timeZone: 'america/new_york',
      branding: {
        displayName: ' さくら銀行 ',
        primaryColor: '#0B3D91',
        accentColor: '#F39800',
        logo: { contentType: 'image/png', data: PNG.toString('base64') },
        support: { phone: '0120-000-000', email: 'desk@sakura.example', hours: '平日 9:00〜17:00' },
        termsUrl: 'https://sakura.example/terms',
        privacyUrl: 'https://sakura.example/privacy',
      },
    });
    expect(p.timeZone).to.equal('America/New_York');
    expect(p.branding.displayName).to.equal('さくら銀行');
    expect(p.branding.primaryColor).to.equal('#0b3d91');
    // Parsing what was stored gives the same policy (it is parsed again on every read).
    expect(parseTenantPolicy(JSON.parse(JSON.stringify(p)))).to.deep.equal(p);
  });

  it('refuses each bad value with its stable code', function () {
    expect(refusals({ branding: { primaryColor: 'red' } })).to.deep.equal({
      'branding.primaryColor': BRANDING_CODES.badColour,
    });
    expect(refusals({ branding: { accentColor: '#12345' } })['branding.accentColor']).to.equal(
      BRANDING_CODES.badColour,
    );
    expect(refusals({ branding: { termsUrl: 'http://sakura.example/terms' } })['branding.termsUrl']).to.equal(
      BRANDING_CODES.notHttps,
    );
    expect(refusals({ branding: { privacyUrl: 'javascript:alert(1)' } })['branding.privacyUrl']).to.equal(
      BRANDING_CODES.notHttps,
    );
    expect(
      refusals({ branding: { logo: { contentType: 'image/svg+xml', data: PNG.toString('base64') } } })[
        'branding.logo.contentType'
      ],
    ).to.equal(BRANDING_CODES.logoType);
    // Declared PNG, bytes of a JPEG: refused (never served under the wrong type).
    expect(
      refusals({ branding: { logo: { contentType: 'image/png', data: JPEG.toString('base64') } } })[
        'branding.logo.data'
      ],
    ).to.equal(BRANDING_CODES.logoType);
    const big = Buffer.concat([PNG, Buffer.alloc(LOGO_MAX_BYTES)]).toString('base64');
    expect(
      refusals({ branding: { logo: { contentType: 'image/png', data: big } } })['branding.logo.data'],
    ).to.equal(BRANDING_CODES.logoTooLarge);
    expect(
      refusals({ branding: { primaryColor: '#0b3d91', onPrimaryColor: '#333333' } })[
        'branding.onPrimaryColor'
      ],
    ).to.equal(BRANDING_CODES.lowContrast);
    // Too light to be the links' colour on the page (tobira.css uses the primary for links).
    expect(refusals({ branding: { primaryColor: '#ffcc00' } })).to.deep.equal({
      'branding.primaryColor': BRANDING_CODES.lowContrast,
    });
    expect(refusals({ timeZone: 'Mars/Olympus' })).to.deep.equal({ timeZone: 'policy.bad_time_zone' });
    expect(refusals({ timeZone: '+09:00' })).to.deep.equal({ timeZone: 'policy.bad_time_zone' });
  });

  it('contrast: WCAG ratios; the computed text colour on the primary always reaches 4.5:1', function () {
    expect(contrastRatio('#000000', '#ffffff')).to.be.closeTo(21, 0.01);
    expect(contrastRatio('#777777', '#ffffff')).to.be.closeTo(4.48, 0.01);
    for (const primary of ['#0b3d91', '#ffcc00', '#777777', '#00a0e9', '#e60012', '#ffffff', '#000000'])
      expect(contrastRatio(primary, onColour(primary)), primary).to.be.at.least(4.5);
    expect(onColour('#0b3d91')).to.equal('#ffffff');
    expect(onColour('#ffcc00')).to.equal('#000000');
  });

  it('stylesheet: only the custom properties the tenant set', function () {
    const css = brandStylesheet(
      parseTenantPolicy({ branding: { primaryColor: '#8A1538', accentColor: '#ffcc00' } }).branding,
    );
    expect(css).to.equal(
      ':root {\n  --brand-primary: #8a1538;\n  --brand-on-primary: #ffffff;\n  --brand-accent: #ffcc00;\n}\n',
    );
    expect(brandStylesheet({})).to.equal(':root {\n\n}\n');
  });

  it('times: in the tenant zone whatever the language, labelled', function () {
    const at = new Date('2026-12-02T12:40:05Z');
    expect(formatDateTime(at, 'ja', 'Asia/Tokyo')).to.equal('2026年12月2日 21:40（日本時間）');
    expect(formatDateTime(at, 'en', 'Asia/Tokyo')).to.equal('2 Dec 2026, 21:40 JST');
    expect(formatDateTime(at, 'en', 'Asia/Tokyo', { seconds: true })).to.equal('2 Dec 2026, 21:40:05 JST');
    expect(formatDateTime(at, 'en', 'America/New_York')).to.equal('2 Dec 2026, 07:40 EST');
    expect(formatDateTime(at, 'ja', 'America/New_York')).to.equal('2026年12月2日 7:40（米国東部標準時）');
    expect(formatDateTime(at, 'en', 'Europe/Berlin')).to.equal('2 Dec 2026, 13:40 CET');
    expect(formatDateTime(at, 'en', 'UTC')).to.equal('2 Dec 2026, 12:40 UTC');
    expect(formatDateTime(at.toISOString(), 'ja')).to.equal('2026年12月2日 21:40（日本時間）');
    expect(formatDateTime('not a date', 'ja')).to.equal('');
    expect(canonicalTimeZone('asia/tokyo')).to.equal('Asia/Tokyo');
    expect(canonicalTimeZone('../../etc/passwd')).to.equal(null);
  });
});
