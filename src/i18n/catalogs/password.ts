import type { CatalogArea } from '../index.js';

/** Password rules, lockout, secret questions and answers. */
const password: CatalogArea = {
  ja: {
    'password.empty': 'パスワードを入力してください。',
    'password.too_short': 'パスワードは{min}桁以上で入力してください。',
    'password.too_long': 'パスワードは{max}桁以下で入力してください。',
    'password.full_width': '全角文字は使用できません。半角英数字・記号で入力してください。',
    'password.invalid_character': '使用できない文字が含まれています: {chars}',
    'password.missing_class': 'パスワードには{class}を含めてください。',
    'password.too_few_classes':
      'パスワードには数字・英大文字・英小文字・記号のうち{min}種類以上を含めてください。',
    'password.contains_user_id': 'パスワードにユーザIDを含めることはできません。',
    'password.contains_email': 'パスワードに登録済みのメールアドレスのアカウント名を含めることはできません。',
    'password.mismatch': 'パスワードとパスワード確認が一致しません。',
    'password.reused': '現在または直近{count}回以内に使用したパスワードは使用できません。',
    'password.rules_summary':
      '半角の数字・英大文字・英小文字・記号で{min}桁以上{max}桁以下。ユーザIDやメールアドレスのアカウント名を含むもの、以前と同じものは使用できません。',
    'password.class.digit': '数字',
    'password.class.upper': '英大文字',
    'password.class.lower': '英小文字',
    'password.class.symbol': '記号',
    'login.failed': '【エラー】認証に失敗しました。',
    'login.remaining_warning':
      '警告：あと {remaining} 回パスワードを間違えると、アカウントがロックアウトされます。',
    'login.locked':
      'アカウントがロックされています。ロック解除については、ご利用のWebサイト運営会社サポート窓口（{support}）へご連絡ください。',
    'secret_answer.empty': '秘密の質問答えを入力してください。',
    'secret_answer.too_long': '秘密の質問答えは{max}文字以内で入力してください。',
    'secret_answer.mismatch': '質問とその答えが一致しません',
    'secret_answer.locked': '秘密の質問・回答の誤入力が繰り返されたため、アカウントをロックしました。',
    'enroll.otp_mismatch': 'ワンタイムパスワードが一致しません',
    'secret_question.first_car': '初めて買った車は?',
    'secret_question.mother_maiden_name': '母親の旧姓は?',
    'secret_question.disliked_food': '嫌いな食べ物は?',
    'secret_question.first_pet': '初めて飼ったペットの名前は?',
    'secret_question.birthplace': '生まれた町の名前は?',
    'secret_question.elementary_school': '卒業した小学校の名前は?',
    'secret_question.childhood_friend': '子供の頃の親友の名前は?',
    'secret_question.favorite_book': '好きな本の題名は?',
  },
  en: {
    'password.empty': 'Enter a password.',
    'password.too_short': 'The password must be at least {min} characters long.',
    'password.too_long': 'The password must be at most {max} characters long.',
    'password.full_width':
      'Full-width characters cannot be used. Use half-width letters, digits and symbols.',
    'password.invalid_character': 'The password contains characters that cannot be used: {chars}',
    'password.missing_class': 'The password must contain a character of this kind: {class}.',
    'password.too_few_classes':
      'The password must mix at least {min} of: digits, upper-case letters, lower-case letters, symbols.',
    'password.contains_user_id': 'The password must not contain your user ID.',
    'password.contains_email': 'The password must not contain the name part of a registered e-mail address.',
    'password.mismatch': 'The password and its confirmation do not match.',
    'password.reused': 'You cannot reuse your current password or any of the last {count}.',
    'password.rules_summary':
      'Half-width digits, letters and symbols, {min} to {max} characters; not containing your user ID or e-mail name; not one you used before.',
    'password.class.digit': 'digit',
    'password.class.upper': 'upper-case letter',
    'password.class.lower': 'lower-case letter',
    'password.class.symbol': 'symbol',
    'login.failed': 'Sign-in failed. Check your user ID and password.',
    'login.remaining_warning':
      'Warning: {remaining, plural, one {1 attempt left. One more wrong password will lock your account.} other {# attempts left before your account is locked.}}',
    'login.locked':
      "Your account is locked. To have it unlocked, contact the website's support desk ({support}).",
    'secret_answer.empty': 'Enter the answer to the secret question.',
    'secret_answer.too_long': 'The answer must be at most {max} characters long.',
    'secret_answer.mismatch': 'The question and answer do not match.',
    'secret_answer.locked':
      'Your account was locked because of repeated wrong answers to the secret question.',
    'enroll.otp_mismatch': 'The one-time password does not match.',
    'secret_question.first_car': 'What was the first car you bought?',
    'secret_question.mother_maiden_name': "What is your mother's maiden name?",
    'secret_question.disliked_food': 'What food do you dislike?',
    'secret_question.first_pet': 'What was the name of your first pet?',
    'secret_question.birthplace': 'In what town were you born?',
    'secret_question.elementary_school': 'What elementary school did you attend?',
    'secret_question.childhood_friend': 'What was the name of your best childhood friend?',
    'secret_question.favorite_book': 'What is the title of your favourite book?',
  },
};

export default password;
