import type { CatalogArea } from '../index.js';

/** Password re-issue (manual ch. 7) and certificate re-issue (ch. 8). */
const recovery: CatalogArea = {
  ja: {
    'recovery.password.step.request': 'パスワード再発行案内',
    'recovery.password.step.sent': 'パスワード再発行案内完了',
    'recovery.password.step.question': 'パスワード再発行',
    'recovery.password.step.done': 'パスワード再発行完了',
    'recovery.password.request.title': 'パスワード再発行案内',
    'recovery.password.request.intro':
      'お客様のパスワードを再発行するための案内を通知します。お客様のIDとメールアドレスを入力してください。',
    'recovery.email': 'メールアドレス',
    'recovery.send': '送信',
    'recovery.password.sent.title': 'パスワード再発行案内完了',
    'recovery.password.sent.body':
      '入力されたユーザIDとメールアドレスが登録内容と一致した場合、「パスワード再発行手順のご案内」をメールでお送りしました。メールに記載されたURLにアクセスしてください。',
    'recovery.password.question.title': 'パスワード再発行',
    'recovery.password.question.intro':
      'お客様のパスワードを再発行します。お客様のユーザ登録時に指定された質問を選択して、その答えを入力してください。',
    'recovery.password.done.title': 'パスワード再発行完了',
    'recovery.password.done.body':
      'パスワードの再発行が完了しました。以下に表示されたパスワードでご利用のWebサイトにアクセスしてください。また、ログイン後は必ずパスワードの変更を行ってください。',
    'recovery.password.done.label': '再発行されたパスワード',
    'recovery.certificate.step.request': '証明書再発行案内',
    'recovery.certificate.step.sent': '証明書再発行案内完了',
    'recovery.certificate.step.question': '証明書再発行',
    'recovery.certificate.step.done': '証明書再発行完了',
    'recovery.certificate.menu': '証明書再発行',
    'recovery.certificate.request.title': '証明書再発行案内',
    'recovery.certificate.request.intro':
      '電子証明書を再発行する端末を選択してください。選択した端末のメールアドレスに「証明書再発行手順のご案内」をお送りします。',
    'recovery.certificate.request.terminal': '再発行する端末',
    'recovery.certificate.request.note':
      'メールのURLから再発行を完了した時点で、この端末の現在の電子証明書は失効し、ログインに使用できなくなります。',
    'recovery.certificate.request.choose': '再発行する端末を選択してください。',
    'recovery.certificate.email_not_ascii':
      '端末No {number}のメールアドレス（{email}）には電子証明書に記載できない文字（半角英数字・記号以外）が含まれているため、電子証明書を発行できません。',
    'recovery.certificate.email_not_ascii.change':
      '先に「端末情報の変更」で、この端末のメールアドレスを半角英数字のアドレスに変更してから、もう一度お手続きください。',
    'recovery.certificate.email_not_ascii.equivalent':
      'ドメイン部分を国際化ドメイン名のASCII表記にした {ascii} は同じ宛先として使用できます。',
    'recovery.certificate.email_not_ascii.contact':
      'メールアドレスの変更は管理者（{support}）にお問い合わせください。',
    'recovery.certificate.sent.title': '証明書再発行案内完了',
    'recovery.certificate.sent.body':
      '端末No {number}のメールアドレス（{email}）に「証明書再発行手順のご案内」をお送りしました。メールに記載されたURLにアクセスしてください。',
    'recovery.certificate.sent.note':
      '※ メール通知には数十分かかる場合があります。以前にお送りした案内のURLは使用できなくなりました。',
    'recovery.certificate.question.title': '証明書再発行',
    'recovery.certificate.question.intro':
      'お客様の証明書を再発行します。お客様のユーザ登録時に指定された質問を選択して、その答えを入力してください。',
    'recovery.certificate.done.title': '証明書再発行完了',
    'recovery.certificate.done.body':
      '証明書の再発行を行いました。メールの案内にしたがって、電子証明書の登録をお願いします。※ メール通知には数十分かかる場合があります。また、電子証明書の登録には以下のパスワードが必要になりますので、大切に保管してください。',
    'recovery.certificate.done.after':
      '電子証明書の登録が完了した後、ご利用のWebサイトにログインしてください。',
    'recovery.locked.title': 'アカウントロック',
  },
  en: {
    'recovery.password.step.request': 'Request',
    'recovery.password.step.sent': 'Request sent',
    'recovery.password.step.question': 'Re-issue password',
    'recovery.password.step.done': 'Password re-issued',
    'recovery.password.request.title': 'Re-issue your password',
    'recovery.password.request.intro':
      'We will send you instructions to re-issue your password. Enter your user ID and e-mail address.',
    'recovery.email': 'E-mail address',
    'recovery.send': 'Send',
    'recovery.password.sent.title': 'Request sent',
    'recovery.password.sent.body':
      'If the user ID and e-mail address match our records, we have sent the instructions to that address. Open the URL in the message.',
    'recovery.password.question.title': 'Re-issue your password',
    'recovery.password.question.intro': 'Choose the secret question you registered and enter its answer.',
    'recovery.password.done.title': 'Password re-issued',
    'recovery.password.done.body':
      'Your password has been re-issued. Sign in to the website with the password below, then change it.',
    'recovery.password.done.label': 'Re-issued password',
    'recovery.certificate.step.request': 'Request',
    'recovery.certificate.step.sent': 'Request sent',
    'recovery.certificate.step.question': 'Re-issue certificate',
    'recovery.certificate.step.done': 'Certificate re-issued',
    'recovery.certificate.menu': 'Re-issue certificate',
    'recovery.certificate.request.title': 'Re-issue a certificate',
    'recovery.certificate.request.intro':
      'Choose the device whose certificate you want re-issued. We will e-mail the instructions to that device’s address.',
    'recovery.certificate.request.terminal': 'Device',
    'recovery.certificate.request.note':
      'When you complete the re-issue through the mailed URL, the device’s current certificate is revoked and can no longer be used to sign in.',
    'recovery.certificate.request.choose': 'Choose the device whose certificate you want re-issued.',
    'recovery.certificate.email_not_ascii':
      'The e-mail address of device No. {number} ({email}) contains characters a certificate cannot hold (anything but ASCII letters, digits and symbols), so no certificate can be issued for it.',
    'recovery.certificate.email_not_ascii.change':
      'First change this device’s e-mail address to an ASCII address under “Change device details”, then try again.',
    'recovery.certificate.email_not_ascii.equivalent':
      'The same mailbox with its domain in ASCII (IDNA) form, {ascii}, can be used.',
    'recovery.certificate.email_not_ascii.contact':
      'To have the address changed, contact the administrator ({support}).',
    'recovery.certificate.sent.title': 'Instructions sent',
    'recovery.certificate.sent.body':
      'We have e-mailed the instructions to re-issue the certificate to the address of device No. {number} ({email}). Open the URL in the message.',
    'recovery.certificate.sent.note':
      'The mail may take a while to arrive. Links in any earlier instructions no longer work.',
    'recovery.certificate.question.title': 'Re-issue your certificate',
    'recovery.certificate.question.intro': 'Choose the secret question you registered and enter its answer.',
    'recovery.certificate.done.title': 'Certificate re-issued',
    'recovery.certificate.done.body':
      'A new certificate has been issued; follow the instructions we are mailing you to install it (the mail may take a while). You will need the password below, so keep it safe.',
    'recovery.certificate.done.after': 'After installing the certificate, sign in to the website.',
    'recovery.locked.title': 'Account locked',
  },
};

export default recovery;
