/**
 * The demo relying party's HTML: a few small pages with inline CSS, in Japanese or English. Every
 * value that came from outside (claims, error parameters) goes through `escapeHtml`. Every page links
 * to Tobira's アカウント管理 and パスワード再発行, as the manual expects a website to.
 */
export type DemoLocale = 'ja' | 'en';

/** What every page needs: its language and the issuer whose account pages it links to. */
export interface PageContext {
  locale: DemoLocale;
  issuer: string;
}

const TEXT = {
  ja: {
    siteTitle: 'Tobira デモサイト',
    intro:
      'このサイトは、Tobira（電子証明書＋ユーザID・パスワードでログインする OpenID Connect プロバイダ）でログインするデモの Web サイトです。',
    howTo:
      'ログインすると、ブラウザが Tobira の電子証明書の選択を求め、続いてユーザIDとパスワードを入力します。',
    signIn: 'Tobiraでログイン / Sign in with Tobira',
    signedInTitle: 'ログインしました',
    signedInAs: 'ログイン中のユーザ',
    claim: '項目',
    value: '値',
    labels: {
      sub: '利用者識別子',
      preferred_username: 'ユーザID',
      email: 'メールアドレス',
      amr: '認証方式',
      acr: '認証レベル',
      'x5t#S256': '電子証明書の拇印 (SHA-256)',
    },
    idToken: 'ID トークンのクレーム',
    userinfo: 'UserInfo の応答',
    signOut: 'ログアウト',
    failedTitle: 'ログインできませんでした',
    back: 'トップページへ戻る',
    noLogin: 'ログイン処理が見つかりません（有効期限切れの可能性があります）。もう一度ログインしてください。',
    errorTitle: 'エラー',
    notFound: 'ページが見つかりません。',
    demoNote: 'デモ用のサイトです（HTTP で動作しています。本番環境では HTTPS を使ってください）。',
    accountLink: 'アカウント管理（Tobira）',
    recoveryLink: 'パスワードを忘れた方（パスワード再発行）',
    cancelled: 'ログインをキャンセルしました。もう一度ログインする場合はトップページからお進みください。',
    alreadyTitle: 'ログイン済みです',
    alreadyDone: 'このログインはすでに完了しています。ページを再読み込みした場合などに表示されます。',
    startAgain: 'もう一度ログインする',
  },
  en: {
    siteTitle: 'Tobira demo site',
    intro:
      'This website is a demo that signs in with Tobira, an OpenID Connect provider where you sign in with a client certificate, then a user ID and password.',
    howTo:
      'When you sign in, the browser asks you to pick your Tobira certificate, then you enter your user ID and password.',
    signIn: 'Sign in with Tobira',
    signedInTitle: 'Signed in',
    signedInAs: 'Signed in as',
    claim: 'Claim',
    value: 'Value',
    labels: {
      sub: 'Subject',
      preferred_username: 'User ID',
      email: 'E-mail address',
      amr: 'Authentication methods',
      acr: 'Authentication context',
      'x5t#S256': 'Certificate thumbprint (SHA-256)',
    },
    idToken: 'ID token claims',
    userinfo: 'UserInfo response',
    signOut: 'Sign out',
    failedTitle: 'Sign-in failed',
    back: 'Back to the start page',
    noLogin: 'No sign-in is in progress (it may have expired). Please sign in again.',
    errorTitle: 'Error',
    notFound: 'Page not found.',
    demoNote: 'A demo site (served over plain HTTP; use HTTPS for anything real).',
    accountLink: 'Account settings (Tobira)',
    recoveryLink: 'Forgot your password? (password re-issue)',
    cancelled: 'You cancelled the sign-in. To try again, start from the top page.',
    alreadyTitle: 'Already signed in',
    alreadyDone: 'This sign-in was already completed (for example, the page was reloaded).',
    startAgain: 'Sign in again',
  },
} as const;

/** The claims the demo puts in its main table, in this order. */
export const SHOWN_CLAIMS = ['sub', 'preferred_username', 'email', 'amr', 'acr', 'x5t#S256'] as const;

export type Claims = Record<string, unknown>;

export interface SignedIn {
  /** ID token claims. */
  claims: Claims;
  userinfo: Claims;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function display(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return JSON.stringify(value);
}

const STYLE = `body{font-family:system-ui,"Noto Sans CJK JP","Hiragino Sans",sans-serif;max-width:46rem;margin:0 auto;padding:1rem;line-height:1.6;color:#1d1d1f}
h1{font-size:1.4rem;border-bottom:3px solid #0b5cad;padding-bottom:.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{width:40%;font-weight:600}code{font-size:.9em}small{color:#555}
a.button{display:inline-block;padding:.7rem 1.4rem;background:#0b5cad;color:#fff;border-radius:.3rem;text-decoration:none}
.error{background:#fdecea;border-left:4px solid #c62828;padding:.6rem 1rem}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f5f7;padding:.6rem}`;

/** Tobira's own pages for the user: アカウント管理 and パスワード再発行. */
function tobiraLinks({ locale, issuer }: PageContext): string {
  const text = TEXT[locale];
  const base = issuer.replace(/\/+$/, '');
  return `<nav><ul><li><a href="${escapeHtml(`${base}/account`)}">${text.accountLink}</a></li>
<li><a href="${escapeHtml(`${base}/recovery/password`)}">${text.recoveryLink}</a></li></ul></nav>`;
}

function layout(ctx: PageContext, title: string, body: string): string {
  const { locale } = ctx;
  return `<!DOCTYPE html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1></header><main>${body}</main>
<footer>${tobiraLinks(ctx)}<p><small>${escapeHtml(TEXT[locale].demoNote)}</small></p></footer></body></html>`;
}

function claimsTable(locale: DemoLocale, signedIn: SignedIn): string {
  const text = TEXT[locale];
  const merged = { ...signedIn.claims, ...signedIn.userinfo };
  const rows = SHOWN_CLAIMS.map(
    (name) =>
      `<tr><th>${escapeHtml(text.labels[name])} <code>${escapeHtml(name)}</code></th><td>${escapeHtml(display(merged[name]))}</td></tr>`,
  ).join('');
  return `<table><thead><tr><th>${text.claim}</th><th>${text.value}</th></tr></thead><tbody>${rows}</tbody></table>
<details><summary>${text.idToken}</summary><pre>${escapeHtml(JSON.stringify(signedIn.claims, null, 2))}</pre></details>
<details><summary>${text.userinfo}</summary><pre>${escapeHtml(JSON.stringify(signedIn.userinfo, null, 2))}</pre></details>`;
}

export function homePage(ctx: PageContext, signedIn?: SignedIn): string {
  const text = TEXT[ctx.locale];
  if (signedIn) return signedInPage(ctx, signedIn, text.siteTitle);
  return layout(
    ctx,
    text.siteTitle,
    `<p>${text.intro}</p><p>${text.howTo}</p><p><a class="button" href="/login">${text.signIn}</a></p>`,
  );
}

export function signedInPage(
  ctx: PageContext,
  signedIn: SignedIn,
  title: string = TEXT[ctx.locale].signedInTitle,
): string {
  const text = TEXT[ctx.locale];
  const who =
    signedIn.userinfo.preferred_username ?? signedIn.claims.preferred_username ?? signedIn.claims.sub;
  return layout(
    ctx,
    title,
    `<p>${text.signedInAs}: <strong>${escapeHtml(display(who))}</strong></p>${claimsTable(ctx.locale, signedIn)}
<p><a class="button" href="/logout">${text.signOut}</a></p>`,
  );
}

/** One sentence (already HTML) under a title, and one link onward. */
function messagePage(
  ctx: PageContext,
  title: string,
  message: string,
  next: { href: string; label: string },
): string {
  return layout(ctx, title, `${message}<p><a href="${next.href}">${escapeHtml(next.label)}</a></p>`);
}

/**
 * Tobira (or openid-client) said no. A cancel (`access_denied`) is the user's choice, told as a
 * sentence; anything else shows the error code and description as given.
 */
export function failedPage(ctx: PageContext, error: string, description?: string): string {
  const text = TEXT[ctx.locale];
  const back = { href: '/', label: text.back };
  if (error === 'access_denied') return messagePage(ctx, text.failedTitle, `<p>${text.cancelled}</p>`, back);
  const detail = description ? `: ${escapeHtml(description)}` : '';
  return messagePage(
    ctx,
    text.failedTitle,
    `<p class="error"><code>${escapeHtml(error)}</code>${detail}</p>`,
    back,
  );
}

/** A callback with no sign-in in progress: it expired, or it never started here. */
export function noLoginPage(ctx: PageContext): string {
  const text = TEXT[ctx.locale];
  return messagePage(ctx, text.errorTitle, `<p class="error">${text.noLogin}</p>`, {
    href: '/login',
    label: text.startAgain,
  });
}

/** The same callback again (a reload) while its sign-in is done: nothing went wrong. */
export function alreadySignedInPage(ctx: PageContext): string {
  const text = TEXT[ctx.locale];
  return messagePage(ctx, text.alreadyTitle, `<p>${text.alreadyDone}</p>`, { href: '/', label: text.back });
}

export function notFoundPage(ctx: PageContext): string {
  const text = TEXT[ctx.locale];
  return messagePage(ctx, text.errorTitle, `<p>${text.notFound}</p>`, { href: '/', label: text.back });
}
