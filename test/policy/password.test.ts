/** Password rules (SPEC §9, manual §2), table-driven. */
import { expect } from 'chai';
import { randomInt } from 'node:crypto';
import { hasMessage, t } from '../../src/i18n/index.js';
import { checkPassword, checkPasswordConfirmation, SYMBOLS } from '../../src/policy/password.js';
import {
  generateDownloadPassword,
  generateOneTimePassword,
  generatePassword,
} from '../../src/policy/password-generator.js';
import { defaultTenantPolicy, parseTenantPolicy } from '../../src/policy/tenant-policy.js';

const policy = defaultTenantPolicy().password;
const ctx = { policy, userId: 'p-01-usr012', emails: ['taro.yamada@example.jp', 'ab@example.jp'] };
const codes = (password: string, c = ctx) => checkPassword(password, c).map((v) => v.code);

describe('password policy', function () {
  const cases: [string, string, string[]][] = [
    ['empty', '', ['password.empty']],
    ['7 characters', 'Abcde1!', ['password.too_short']],
    ['exactly 8', 'Abcdef1!', []],
    ['exactly 32', `Ab1!${'x'.repeat(28)}`, []],
    ['33 characters', `Ab1!${'x'.repeat(29)}`, ['password.too_long']],
    ['full-width letters', 'ｐａｓｓｗｏｒｄ１２', ['password.full_width', 'password.too_few_classes']],
    ['full-width digit among ASCII', 'Abcdefg１', ['password.full_width']],
    ['ideographic space', 'Abcdef1!\u3000', ['password.full_width']],
    ['Japanese', 'パスワード1234abcd', ['password.full_width']],
    ['emoji', 'Abcdef1!😀', ['password.invalid_character']],
    ['ASCII space', 'Abcd ef1!', ['password.invalid_character']],
    ['tab', 'Abcd\tef1!', ['password.invalid_character']],
    ['newline', 'Abcd\nef1!', ['password.invalid_character']],
    ['yen sign (the backslash key of a macOS JIS keyboard)', 'Abcdef1¥', []],
    ['only lower case', 'abcdefghij', ['password.too_few_classes']],
    ['only digits', '1234567890', ['password.too_few_classes']],
    ['lower + digit', 'abcdefgh12', []],
    ['contains user ID', 'xp-01-usr012!', ['password.contains_user_id']],
    ['contains user ID in other case', 'P-01-USR012x!', ['password.contains_user_id']],
    ['contains e-mail local part', 'TARO.YAMADA-99', ['password.contains_email']],
    ['short local parts are not checked', 'ab-Abcdef-1', []],
    [
      'several rules at once',
      'ｐ',
      ['password.too_short', 'password.full_width', 'password.too_few_classes'],
    ],
  ];
  for (const [name, password, expected] of cases) {
    it(`${name} → ${expected.join(', ') || 'accepted'}`, function () {
      expect(codes(password)).to.have.members(expected);
    });
  }

  it('accepts every symbol the manual lists, each on its own', function () {
    for (const symbol of SYMBOLS) expect(codes(`Abcdefg${symbol}`), JSON.stringify(symbol)).to.deep.equal([]);
    expect(SYMBOLS).to.include('\\').and.include('~').and.include('"');
  });

  it('applies a stricter tenant policy: minimum 12, required classes, three classes', function () {
    const strict = parseTenantPolicy({
      password: { minLength: 12, requiredClasses: ['upper', 'symbol'], minClasses: 3 },
    }).password;
    const c = { ...ctx, policy: strict };
    expect(codes('abcdefgh1234', c)).to.have.members([
      'password.missing_class',
      'password.missing_class',
      'password.too_few_classes',
    ]);
    expect(
      checkPassword('abcdefgh1234', c)
        .filter((v) => v.code === 'password.missing_class')
        .map((v) => v.params?.class),
    ).to.deep.equal(['upper', 'symbol']);
    expect(codes('Abcdefgh123!', c)).to.deep.equal([]);
    expect(codes('Abcdefg123!', c)).to.deep.equal(['password.too_short']);
  });

  it('never lets a policy go below 8 characters', function () {
    expect(() => parseTenantPolicy({ password: { minLength: 7 } })).to.throw();
    expect(() => parseTenantPolicy({ password: { minLength: 20, maxLength: 10 } })).to.throw(/maxLength/);
  });

  it('checks the confirmation', function () {
    expect(checkPasswordConfirmation('Abcdef1!', 'Abcdef1!')).to.deep.equal([]);
    expect(checkPasswordConfirmation('Abcdef1!', 'abcdef1!')).to.deep.equal([{ code: 'password.mismatch' }]);
  });

  it('has a Japanese and an English message for every rule', function () {
    const all = [
      'password.empty',
      'password.too_short',
      'password.too_long',
      'password.full_width',
      'password.invalid_character',
      'password.missing_class',
      'password.too_few_classes',
      'password.contains_user_id',
      'password.contains_email',
      'password.mismatch',
      'password.reused',
    ];
    for (const code of all) {
      expect(hasMessage(code), code).to.equal(true);
      expect(t('en', code, { min: 8, max: 32, count: 3, chars: 'x', class: 'digit' })).to.not.equal(
        t('ja', code, { min: 8, max: 32, count: 3, chars: 'x', class: 'digit' }),
      );
    }
    expect(t('ja', 'password.too_short', { min: 8 })).to.equal('パスワードは8桁以上で入力してください。');
  });

  it('generates passwords that always pass the policy and avoid look-alike characters', function () {
    const policies = [
      policy,
      parseTenantPolicy({
        password: { minLength: 16, requiredClasses: ['upper', 'lower', 'digit', 'symbol'], minClasses: 4 },
      }).password,
      parseTenantPolicy({ password: { maxLength: 8 } }).password,
    ];
    for (const p of policies) {
      for (let i = 0; i < 200; i += 1) {
        const generated = generatePassword(p, randomInt, {
          userId: 'p-01-usr012',
          emails: ['abc@example.jp'],
        });
        expect(
          checkPassword(generated, { policy: p, userId: 'p-01-usr012', emails: ['abc@example.jp'] }),
          generated,
        ).to.deep.equal([]);
        expect(generated).to.not.match(/[0O1lI5S2Z8B]/);
      }
    }
    expect(generateOneTimePassword(randomInt)).to.match(/^[^0O1lI5S2Z8B]{10}$/);
    expect(generateDownloadPassword(randomInt)).to.have.length(12);
  });
});
