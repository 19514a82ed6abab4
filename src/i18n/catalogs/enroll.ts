import type { CatalogArea } from '../index.js';

/** Enrollment (manual ch. 3), certificate download (ch. 4) and the install guide. */
const enroll: CatalogArea = {
  ja: {
    'enroll.step.otp': '初回認証',
    'enroll.step.credentials': '認証情報登録',
    'enroll.step.done': '認証情報登録完了',
    'enroll.otp.title': '初回認証',
    'enroll.otp.intro':
      'お客様のログインに使用する認証情報を登録します。お客様に送られたワンタイムパスワードを入力し、認証情報登録画面に進んでください。',
    'enroll.otp.label': 'ワンタイムパスワード',
    'enroll.otp.remaining': 'あと {remaining} 回間違えると、登録手続きがロックされます。',
    'enroll.next': '次へ',
    'enroll.user_id': 'ユーザID',
    'enroll.credentials.title': '認証情報登録',
    'enroll.credentials.intro': 'お客様のログインに使用する認証情報を入力してください。',
    'enroll.credentials.intro_question':
      '認証情報をお忘れの際に確認するための秘密の質問を選択し、その答えを入力してください。',
    'enroll.password': 'パスワード',
    'enroll.password_confirmation': 'パスワード確認',
    'enroll.question': '秘密の質問',
    'enroll.question_choose': '選択してください',
    'enroll.answer': '秘密の質問答え',
    'enroll.register': '登録',
    'enroll.done.title': '認証情報登録完了',
    'enroll.done.completed': '認証情報の登録が完了しました。',
    'enroll.done.mail':
      'お客様にログイン用の証明書発行案内をお送り致しますので、案内に沿って証明書を登録してください。',
    'enroll.done.keep': '証明書の登録には以下のパスワードが必要になりますので、大切に保管してください。',
    'enroll.done.after': '証明書発行が完了した後に、ご利用のWebサイトにアクセスしてください。',
    'enroll.done.password_label': '証明書ダウンロード用パスワード',
    'enroll.done.once': 'このパスワードはこの画面でのみ表示されます。',
    'enroll.link.title': 'このリンクは使用できません',
    'enroll.link.unknown': 'このリンクは無効です。メールやご案内に記載されたURLを、もう一度ご確認ください。',
    'enroll.link.expired': 'このリンクの有効期限が切れています。',
    'enroll.link.replaced':
      'このリンクは、後から送信された新しいリンクに置き換えられたため使用できません。最新のメールに記載されたリンクをご利用ください。',
    'enroll.link.used': 'このリンクはすでに使用されています。',
    'enroll.link.contact':
      '新しいご案内が必要な場合は、ご利用のWebサイト運営会社サポート窓口（{support}）へご連絡ください。',
    'enroll.locked': 'ワンタイムパスワードの誤入力が繰り返されたため、アカウントをロックしました。',
    'secret_question.required': '秘密の質問を選択してください。',
    'download.title': '電子証明書のダウンロード',
    'download.intro':
      '認証情報登録画面に表示された『証明書ダウンロード用パスワード』を入力して、電子証明書をダウンロードしてください。',
    'download.password': '証明書ダウンロード用パスワード',
    'download.submit': 'ダウンロード',
    'download.wrong':
      '証明書ダウンロード用パスワードが一致しません。あと {remaining} 回間違えると、このリンクは使用できなくなります。',
    'download.too_many': 'パスワードの誤入力が繰り返されたため、このリンクは使用できなくなりました。',
    'download.guide': 'ダウンロードした証明書の登録方法（電子証明書ダウンロードマニュアル）',
    'download.once':
      'ダウンロードは一度だけ行えます。ダウンロード後、証明書ファイルはサーバーから削除されます。',
    'download.done.title': 'ダウンロード完了',
    'download.done.intro': '電子証明書のファイル「{filename}」をダウンロードしました。',
    'download.done.next':
      '次に、ダウンロードしたファイルをこの端末にインストールしてください。インストールの途中で『証明書ダウンロード用パスワード』を入力します。',
    'download.done.retry': 'ダウンロードが始まらない場合は、こちらからダウンロードしてください。',
    'download.done.install': '電子証明書のインストール方法を見る',
    'download.csr.title': '秘密鍵を端末で作成する場合（CSR）',
    'download.csr.intro':
      '端末で作成した鍵の証明書署名要求（CSR）を貼り付けると、その鍵に対する電子証明書を発行します。秘密鍵は端末の外に出ません。この場合、サーバーで作成した証明書ファイルは削除され、ダウンロードできなくなります。',
    'download.csr.howto': 'OpenSSL で鍵と CSR を作成する例',
    'download.csr.combine': '発行された証明書と鍵を、ブラウザーに登録できる .p12 ファイルにまとめる例',
    'download.csr.field': '証明書署名要求（CSR、PEM 形式）',
    'download.csr.submit': 'CSR から証明書を発行',
    'download.csr.invalid':
      'CSR を確認できませんでした。RSA 2048 ビット以上（ご契約により 3072 ビット以上）の鍵で作成した PEM 形式の CSR を、「-----BEGIN CERTIFICATE REQUEST-----」から「-----END CERTIFICATE REQUEST-----」まで貼り付けてください。',
    'home.title': 'Tobira ログインサービス',
    'home.intro':
      'Tobira は、ご利用のWebサイトへのログインを、この端末に登録された電子証明書とユーザID・パスワード（ご利用の方法によってはワンタイムパスワードも）で確認するサービスです。',
    'home.start': 'ログインは、ご利用のWebサイトのログインボタンから始めてください。',
    'home.services': 'お手続き',
    'home.link.guide': '電子証明書のインストール方法',
    'home.link.guide.about': 'メールで届いた電子証明書を、パソコンやスマートフォンに登録する手順です。',
    'home.link.account': 'アカウント管理',
    'home.link.account.about':
      'パスワード・秘密の質問の変更、端末の追加・変更・削除、ログイン履歴の閲覧ができます（電子証明書が必要です）。',
    'home.link.password': 'パスワード再発行',
    'home.link.password.about': 'パスワードを忘れた場合は、こちらから再発行の案内をメールで受け取れます。',
    'home.link.ca': '認証局の証明書',
    'home.link.ca.about': 'ブラウザーがこのサービスを信頼しない場合に、信頼済みとして登録する証明書です。',
    'guide.title': '電子証明書ダウンロードマニュアル',
    'guide.intro':
      'ダウンロードした電子証明書ファイル（.p12）を、ご利用の端末に登録します。登録時には『証明書ダウンロード用パスワード』を入力してください。',
    'guide.ca': 'ブラウザーが接続先を信頼しない場合は、認証局の証明書を信頼済みとして登録してください',
    'guide.ca.pem': '認証局の証明書（PEM形式）',
    'guide.ca.crt': '認証局の証明書（DER形式 / Windows・iOS・Android）',
    'guide.macos': 'macOS（Safari / Chrome）',
    'guide.macos.steps':
      'ダウンロードした .p12 ファイルをダブルクリックします。|「キーチェーンアクセス」が開いたら、キーチェーン「ログイン」を選んで「追加」をクリックします。|証明書ダウンロード用パスワードを入力して「OK」をクリックします。|ご利用のWebサイトにアクセスし、証明書の選択画面で証明書の名前を選びます。',
    'guide.windows': 'Windows（Edge / Chrome）',
    'guide.windows.steps':
      'ダウンロードした .p12 ファイルをダブルクリックし、「証明書のインポート ウィザード」を開きます。|保存場所は「現在のユーザー」を選び、「次へ」で進みます。|証明書ダウンロード用パスワードを入力し、「証明書の種類に基づいて、自動的に証明書ストアを選択する」を選んで完了します。|ブラウザーを再起動してから、ご利用のWebサイトにアクセスします。',
    'guide.ios': 'iPhone / iPad',
    'guide.ios.steps':
      'Safariで .p12 ファイルをダウンロードし、「許可」をタップします。|「設定」→「プロファイルがダウンロードされました」を開き、「インストール」をタップします。|証明書ダウンロード用パスワードを入力してインストールを完了します。',
    'guide.android': 'Android',
    'guide.android.steps':
      '「設定」→「セキュリティ」→「暗号化と認証情報」→「証明書のインストール」→「VPNとアプリのユーザー証明書」を開きます。|ダウンロードした .p12 ファイルを選び、証明書ダウンロード用パスワードを入力します。|証明書の名前を確認して「OK」をタップします。',
    'guide.firefox': 'Firefox（独自の証明書ストアを使用）',
    'guide.firefox.steps':
      '「設定」→「プライバシーとセキュリティ」→「証明書を表示」を開きます。|「あなたの証明書」タブで「インポート」をクリックし、.p12 ファイルを選びます。|証明書ダウンロード用パスワードを入力して完了します。',
  },
  en: {
    'enroll.step.otp': 'First authentication',
    'enroll.step.credentials': 'Register credentials',
    'enroll.step.done': 'Registration complete',
    'enroll.otp.title': 'First authentication',
    'enroll.otp.intro':
      'Register the credentials you will use to sign in. Enter the one-time password you were sent to continue.',
    'enroll.otp.label': 'One-time password',
    'enroll.otp.remaining':
      '{remaining, plural, one {1 attempt left: one more wrong one-time password locks the registration.} other {# attempts left before the registration is locked.}}',
    'enroll.next': 'Next',
    'enroll.user_id': 'User ID',
    'enroll.credentials.title': 'Register credentials',
    'enroll.credentials.intro': 'Enter the credentials you will use to sign in.',
    'enroll.credentials.intro_question':
      'Choose a secret question and enter its answer; it is used if you forget your credentials.',
    'enroll.password': 'Password',
    'enroll.password_confirmation': 'Password (again)',
    'enroll.question': 'Secret question',
    'enroll.question_choose': 'Choose one',
    'enroll.answer': 'Answer',
    'enroll.register': 'Register',
    'enroll.done.title': 'Registration complete',
    'enroll.done.completed': 'Your credentials have been registered.',
    'enroll.done.mail':
      'We are sending you instructions to install your sign-in certificate; please follow them.',
    'enroll.done.keep': 'You will need the password below to install the certificate. Keep it safe.',
    'enroll.done.after': 'After installing the certificate, open the website again.',
    'enroll.done.password_label': 'Certificate download password',
    'enroll.done.once': 'This password is shown on this page only.',
    'enroll.link.title': 'This link cannot be used',
    'enroll.link.unknown': 'This link is not valid. Check the URL in the message you received.',
    'enroll.link.expired': 'This link has expired.',
    'enroll.link.replaced':
      'This link was replaced by a newer one sent later and can no longer be used. Use the link in the latest message.',
    'enroll.link.used': 'This link has already been used.',
    'enroll.link.contact': "If you need new instructions, contact the website's support desk ({support}).",
    'enroll.locked': 'Your account was locked because of repeated wrong one-time passwords.',
    'secret_question.required': 'Choose a secret question.',
    'download.title': 'Download your certificate',
    'download.intro':
      'Enter the certificate download password shown when you registered, then download your certificate.',
    'download.password': 'Certificate download password',
    'download.submit': 'Download',
    'download.wrong':
      'The download password does not match. {remaining, plural, one {1 attempt left: one more wrong password and this link stops working.} other {# attempts left before this link stops working.}}',
    'download.too_many': 'This link no longer works because of repeated wrong passwords.',
    'download.guide': 'How to install the downloaded certificate (guide)',
    'download.once': 'You can download once; the file is then deleted from the server.',
    'download.done.title': 'Download complete',
    'download.done.intro': 'Your certificate file “{filename}” has been downloaded.',
    'download.done.next':
      'Next, install the downloaded file on this device. While installing, you will enter the certificate download password.',
    'download.done.retry': 'If the download did not start, download it here.',
    'download.done.install': 'How to install your certificate',
    'download.csr.title': 'Creating the private key on your device (CSR)',
    'download.csr.intro':
      'Paste a certificate signing request (CSR) for a key made on your device, and Tobira issues your certificate for that key. The private key never leaves the device. The certificate file prepared by the server is then deleted and can no longer be downloaded.',
    'download.csr.howto': 'Making a key and CSR with OpenSSL',
    'download.csr.combine': 'Combining the issued certificate and the key into a .p12 file for your browser',
    'download.csr.field': 'Certificate signing request (CSR, PEM)',
    'download.csr.submit': 'Issue the certificate for this CSR',
    'download.csr.invalid':
      'The CSR could not be used. Paste a PEM CSR for an RSA key of at least 2048 bits (3072 where your contract says so), from "-----BEGIN CERTIFICATE REQUEST-----" to "-----END CERTIFICATE REQUEST-----".',
    'home.title': 'Tobira sign-in service',
    'home.intro':
      'Tobira checks your sign-in to the websites you use with the certificate installed on this device and your user ID and password (and, depending on your login method, a one-time password).',
    'home.start': 'To sign in, start from the sign-in button of the website you use.',
    'home.services': 'Self-service',
    'home.link.guide': 'Installing your certificate',
    'home.link.guide.about': 'How to install the certificate you received by e-mail on a computer or phone.',
    'home.link.account': 'Account management',
    'home.link.account.about':
      'Change your password or secret question, add, change or remove devices, and see your sign-in history (your certificate is needed).',
    'home.link.password': 'Forgotten password',
    'home.link.password.about': 'Forgot your password? Get the instructions to re-issue it by e-mail.',
    'home.link.ca': 'Certificate authority',
    'home.link.ca.about': 'Install it as trusted if your browser does not trust this service.',
    'guide.title': 'Certificate installation guide',
    'guide.intro':
      'Install the downloaded certificate file (.p12) on your device. You will be asked for the certificate download password.',
    'guide.ca': 'If your browser does not trust the site, install the certificate authority as trusted',
    'guide.ca.pem': 'CA certificate (PEM)',
    'guide.ca.crt': 'CA certificate (DER, for Windows, iOS, Android)',
    'guide.macos': 'macOS (Safari / Chrome)',
    'guide.macos.steps':
      'Double-click the downloaded .p12 file.|In Keychain Access, choose the "login" keychain and click Add.|Enter the certificate download password and click OK.|Open the website and choose your certificate name when asked.',
    'guide.windows': 'Windows (Edge / Chrome)',
    'guide.windows.steps':
      'Double-click the .p12 file to open the Certificate Import Wizard.|Choose "Current User" and continue.|Enter the download password, let Windows choose the store automatically, and finish.|Restart the browser, then open the website.',
    'guide.ios': 'iPhone / iPad',
    'guide.ios.steps':
      'Download the .p12 file in Safari and tap Allow.|Open Settings → Profile Downloaded and tap Install.|Enter the certificate download password to finish.',
    'guide.android': 'Android',
    'guide.android.steps':
      'Open Settings → Security → Encryption & credentials → Install a certificate → VPN & app user certificate.|Choose the .p12 file and enter the download password.|Check the certificate name and tap OK.',
    'guide.firefox': 'Firefox (uses its own certificate store)',
    'guide.firefox.steps':
      'Open Settings → Privacy & Security → View Certificates.|On "Your Certificates", click Import and choose the .p12 file.|Enter the download password to finish.',
  },
};

export default enroll;
