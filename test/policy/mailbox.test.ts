import { expect } from 'chai';
import { isMailboxAddress } from '../../src/policy/mailbox.js';

describe('policy: mailbox address (a certificate rfc822Name)', function () {
  it('accepts ordinary ASCII addresses', function () {
    for (const ok of [
      'a@example.jp',
      'hanako.yamada+work@mail.example.co.jp',
      `${'l'.repeat(64)}@example.jp`,
    ])
      expect(isMailboxAddress(ok), ok).to.equal(true);
  });

  it('refuses non-ASCII, spaces, controls, a missing or doubled @, an undotted domain and overlong parts', function () {
    for (const bad of [
      'はなこ@example.jp',
      'a@例え.jp',
      'ａ@example.jp',
      'a b@example.jp',
      'a\t@example.jp',
      'a@example.jp\n',
      'not-an-address',
      '@example.jp',
      'a@b@example.jp',
      'a@localhost',
      'a@example.',
      'a@.jp',
      `${'l'.repeat(65)}@example.jp`,
      `a@${'d'.repeat(250)}.jp`,
    ])
      expect(isMailboxAddress(bad), JSON.stringify(bad)).to.equal(false);
  });
});
