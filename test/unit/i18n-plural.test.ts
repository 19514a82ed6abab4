/** English that reads as English: counts choose their words by the locale's plural rules. */
import { expect } from 'chai';
import { allKeys, t } from '../../src/i18n/index.js';

describe('i18n: plural forms', function () {
  it('says "1 attempt left" and "3 attempts left" in English, and the count alone in Japanese', function () {
    expect(t('en', 'login.remaining_warning', { remaining: 1 })).to.equal(
      'Warning: 1 attempt left. One more wrong password will lock your account.',
    );
    expect(t('en', 'login.remaining_warning', { remaining: 3 })).to.equal(
      'Warning: 3 attempts left before your account is locked.',
    );
    expect(t('ja', 'login.remaining_warning', { remaining: 1 })).to.equal(
      '警告：あと 1 回パスワードを間違えると、アカウントがロックアウトされます。',
    );
    for (const key of ['otp.remaining_warning', 'enroll.otp.remaining', 'download.wrong']) {
      expect(t('en', key, { remaining: 1 }), key)
        .to.include('1 attempt left')
        .and.not.include('attempts');
      expect(t('en', key, { remaining: 2 }), key).to.include('2 attempts left');
    }
  });

  it('leaves a plural message as written when its number is missing', function () {
    // Exercised through a catalog-shaped template: the plural syntax is the catalog's, not the caller's.
    const sample = allKeys('en').filter((key) => t('en', key, {}).includes(', plural,'));
    expect(sample, 'every plural message names its number').to.include('login.remaining_warning');
    for (const key of sample) expect(t('en', key, {}), key).to.match(/\{\w+, plural,/);
  });

  it('leaves no "(s)" for a count in English', function () {
    const lazy = allKeys('en').filter((key) => /\w\(s\)/.test(t('en', key, { remaining: 2, count: 2 })));
    expect(lazy).to.deep.equal([]);
  });
});
