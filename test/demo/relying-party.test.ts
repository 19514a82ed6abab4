import { expect } from 'chai';
import { startDemoRp, type DemoRp } from '../../src/demo/relying-party.js';
import { makeSelfSigned, type SelfSigned } from '../http/self-signed.js';
import { startFakeIssuer, type FakeIssuer } from './fake-issuer.js';

const CLIENT = { clientId: 'demo-rp', clientSecret: 'demo-secret-0123456789' };

/** A tiny cookie-keeping browser for the plain-HTTP RP (global fetch, redirects not followed). */
class Browser {
  private readonly jar = new Map<string, string>();

  async get(
    url: string,
  ): Promise<{ status: number; location: string | null; body: string; setCookies: string[] }> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (value === '' || attributes.some((a) => a.trim() === 'Max-Age=0')) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text(), setCookies };
  }
}

describe('demo relying party', function () {
  let tls: SelfSigned;
  let issuer: FakeIssuer;
  let rp: DemoRp;

  before(async function () {
    tls = makeSelfSigned();
    issuer = await startFakeIssuer(tls, CLIENT);
    rp = await startDemoRp({ issuer: issuer.issuer, ...CLIENT, port: 0, caPem: tls.serverCert });
  });

  after(async function () {
    await rp?.close();
    await issuer?.close();
  });

  /** /login, then what the authorization endpoint would receive. */
  async function startLogin(browser: Browser) {
    const res = await browser.get(`${rp.url}/login`);
    expect(res.status).to.equal(302);
    const location = new URL(res.location!);
    return { res, location, params: Object.fromEntries(location.searchParams) };
  }

  it('listens on 127.0.0.1 and derives its redirect URI from the real port', function () {
    expect(rp.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(rp.url).not.to.equal('http://127.0.0.1:0');
    expect(rp.redirectUri).to.equal(`${rp.url}/callback`);
  });

  it('shows a Japanese start page with a sign-in link, for phones', async function () {
    const res = await new Browser().get(`${rp.url}/`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include('<html lang="ja">');
    expect(res.body).to.include('name="viewport"');
    expect(res.body).to.match(
      /<a class="button" href="\/login">Tobiraでログイン \/ Sign in with Tobira<\/a>/,
    );
  });

  it('sends the browser to the authorization endpoint with PKCE S256, state and nonce', async function () {
    const { res, location, params } = await startLogin(new Browser());
    expect(`${location.origin}${location.pathname}`).to.equal(`${issuer.issuer}/auth`);
    expect(params).to.include({
      response_type: 'code',
      client_id: CLIENT.clientId,
      redirect_uri: rp.redirectUri,
      code_challenge_method: 'S256',
      ui_locales: 'ja',
    });
    expect(params.scope!.split(' ')).to.include.members(['openid', 'email', 'profile']);
    expect(params.code_challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(params.state).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(params.nonce).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(params.state).not.to.equal(params.nonce);
    const [loginCookie] = res.setCookies;
    expect(loginCookie).to.match(
      /^tobira_demo_login=[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Path=\/; Max-Age=600$/,
    );
    const second = await startLogin(new Browser());
    expect(second.params.state).not.to.equal(params.state);
    expect(second.params.code_challenge).not.to.equal(params.code_challenge);
  });

  it('exchanges the code, validates the ID token, and shows the claims escaped; then logs out at Tobira', async function () {
    const browser = new Browser();
    const { params } = await startLogin(browser);
    issuer.issue('code-1', {
      codeChallenge: params.code_challenge!,
      nonce: params.nonce!,
      redirectUri: rp.redirectUri,
      claims: {
        sub: 'acct-123',
        preferred_username: 'p-00-<b>demo</b>',
        amr: ['swk', 'pwd', 'mfa'],
        acr: 'urn:tobira:acr:x509-pwd',
        'x5t#S256': 'q3Yf2Zq0vR9vN0eZ4mJm0mB0T0m8p1yH1ZfG9iQ6cPA',
      },
      userinfo: { sub: 'acct-123', email: 'demo@example.jp' },
    });

    const callback = await browser.get(`${rp.redirectUri}?code=code-1&state=${params.state}`);
    expect(issuer.refusals).to.deep.equal([]);
    expect(callback.status).to.equal(200);
    expect(callback.body).to.include('acct-123');
    expect(callback.body).to.include('p-00-&lt;b&gt;demo&lt;/b&gt;');
    expect(callback.body).not.to.include('<b>demo</b>');
    expect(callback.body).to.include('demo@example.jp');
    expect(callback.body).to.include('<code>amr</code></th><td>swk, pwd, mfa</td>');
    expect(callback.body).to.include('urn:tobira:acr:x509-pwd');
    expect(callback.body).to.include(
      '<code>x5t#S256</code></th><td>q3Yf2Zq0vR9vN0eZ4mJm0mB0T0m8p1yH1ZfG9iQ6cPA',
    );
    expect(callback.body).to.include('href="/logout"');

    // A reload of the callback: the login is used up (no second token request), and the page says
    // the sign-in was already completed rather than showing an error.
    const reload = await browser.get(`${rp.redirectUri}?code=code-1&state=${params.state}`);
    expect(reload.status).to.equal(200);
    expect(reload.body).to.include('このログインはすでに完了しています');
    expect(reload.body).not.to.include('class="error"');
    expect(issuer.refusals).to.deep.equal([]);

    const home = await browser.get(`${rp.url}/`);
    expect(home.body).to.include('p-00-&lt;b&gt;demo&lt;/b&gt;');

    const logout = await browser.get(`${rp.url}/logout`);
    expect(logout.status).to.equal(302);
    const end = new URL(logout.location!);
    expect(`${end.origin}${end.pathname}`).to.equal(`${issuer.issuer}/session/end`);
    expect(Object.fromEntries(end.searchParams)).to.deep.equal({
      post_logout_redirect_uri: `${rp.url}/`,
      id_token_hint: issuer.lastIdToken,
      client_id: CLIENT.clientId,
    });
    expect((await browser.get(`${rp.url}/`)).body).to.include('Tobiraでログイン');
  });

  it('shows the error Tobira returned, escaped', async function () {
    const browser = new Browser();
    await startLogin(browser);
    const res = await browser.get(
      `${rp.redirectUri}?error=server_error&error_description=${encodeURIComponent('<script>alert(1)</script>')}`,
    );
    expect(res.status).to.equal(400);
    expect(res.body).to.include('ログインできませんでした');
    expect(res.body).to.include('<code>server_error</code>: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.to.include('<script>');
  });

  it("tells a cancel (access_denied) as a sentence in the browser's language, not as an error code", async function () {
    const cancel = `${rp.redirectUri}?error=access_denied&error_description=${encodeURIComponent('End-User aborted interaction')}`;
    const browser = new Browser();
    await startLogin(browser);
    const ja = await browser.get(cancel);
    expect(ja.body).to.include('<p>ログインをキャンセルしました。');
    expect(ja.body).not.to.include('access_denied');
    expect(ja.body).not.to.include('aborted');
    const en = await fetch(cancel, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    const body = await en.text();
    expect(body).to.include('<html lang="en">');
    expect(body).to.include('<p>You cancelled the sign-in.');
    expect(body).not.to.include('access_denied');
  });

  it("links to Tobira's アカウント管理 and パスワード再発行 on every page", async function () {
    for (const page of ['/', '/nowhere', '/callback?code=x&state=y']) {
      const { body } = await new Browser().get(`${rp.url}${page}`);
      expect(body, page).to.include(`<a href="${issuer.issuer}/account">アカウント管理（Tobira）</a>`);
      expect(body, page).to.include(
        `<a href="${issuer.issuer}/recovery/password">パスワードを忘れた方（パスワード再発行）</a>`,
      );
    }
  });

  it("follows the browser's language (Accept-Language) and passes it to Tobira as ui_locales", async function () {
    const ask = (path: string, acceptLanguage: string) =>
      fetch(`${rp.url}${path}`, { redirect: 'manual', headers: { 'accept-language': acceptLanguage } });
    const en = await (await ask('/', 'en-GB,en;q=0.9,ja;q=0.5')).text();
    expect(en).to.include('<html lang="en">');
    expect(en).to.include('>Sign in with Tobira</a>');
    expect(en).to.include('>Account settings (Tobira)</a>');
    const ja = await (await ask('/', 'ja,en;q=0.8')).text();
    expect(ja).to.include('<html lang="ja">');
    expect(await (await ask('/', 'fr-FR')).text(), 'neither: Japanese').to.include('<html lang="ja">');
    const login = await ask('/login', 'en-US');
    expect(new URL(login.headers.get('location')!).searchParams.get('ui_locales')).to.equal('en');
    const loginJa = await ask('/login', 'ja-JP');
    expect(new URL(loginJa.headers.get('location')!).searchParams.get('ui_locales')).to.equal('ja');
  });

  it('refuses a callback with no login in progress, or with a state that does not match', async function () {
    const stranger = await new Browser().get(`${rp.redirectUri}?code=x&state=y`);
    expect(stranger.status).to.equal(400);
    expect(stranger.body).to.include('ログイン処理が見つかりません');
    expect(stranger.body).to.include('<a href="/login">もう一度ログインする</a>');

    const browser = new Browser();
    await startLogin(browser);
    const forged = await browser.get(`${rp.redirectUri}?code=x&state=not-the-state`);
    expect(forged.status).to.equal(400);
    expect(forged.body).to.include('ログインできませんでした');
    expect(forged.body).to.match(/state/i);
    expect(issuer.refusals).to.deep.equal([]); // refused before any token request
  });

  it('speaks English when asked, and passes the locale to Tobira', async function () {
    const en = await startDemoRp({
      issuer: issuer.issuer,
      ...CLIENT,
      port: 0,
      caPem: tls.serverCert,
      locale: 'en',
    });
    try {
      const browser = new Browser();
      const home = await browser.get(`${en.url}/`);
      expect(home.body).to.include('<html lang="en">');
      expect(home.body).to.include('>Sign in with Tobira</a>');
      const login = await browser.get(`${en.url}/login`);
      expect(new URL(login.location!).searchParams.get('ui_locales')).to.equal('en');
    } finally {
      await en.close();
    }
  });

  it('trusts only the CA it is given: discovery against an untrusted issuer fails clearly', async function () {
    const wrongCa = await startDemoRp({ issuer: issuer.issuer, ...CLIENT, port: 0, caPem: tls.clientCert });
    try {
      const res = await new Browser().get(`${wrongCa.url}/login`);
      expect(res.status).to.equal(502);
      expect(res.body).to.match(/certificate/i);
    } finally {
      await wrongCa.close();
    }
  });
});
