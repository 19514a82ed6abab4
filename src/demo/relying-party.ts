/**
 * The demo relying party started by `npm start`: a tiny website that signs in with Tobira through
 * openid-client (code flow, PKCE, state, nonce) and shows the claims it received. Plain HTTP on
 * localhost — it is a demo, not something to deploy.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { createHttpsFetch } from '../http/https-fetch.js';

export interface DemoRpOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  port: number;
  host?: string;
  caPem: string;
}

interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  created: number;
}

const escape = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const rows = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(
      ([k, v]) =>
        `<tr><th>${escape(k)}</th><td>${escape(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`,
    )
    .join('');

const claimsHtml = (s: { claims: Record<string, unknown>; userinfo: Record<string, unknown> }) =>
  `<h2>ID token</h2><table>${rows(s.claims)}</table><h2>UserInfo</h2><table>${rows(s.userinfo)}</table><p><a href="/logout">ログアウト / sign out</a></p>`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>body{font-family:system-ui,"Noto Sans CJK JP",sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.6}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top;word-break:break-all}
a.button{display:inline-block;padding:.6rem 1.2rem;background:#0b5cad;color:#fff;border-radius:.3rem;text-decoration:none}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

export async function startDemoRp(
  options: DemoRpOptions,
): Promise<{ url: string; redirectUri: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const base = `http://${host}:${options.port}`;
  const redirectUri = `${base}/callback`;
  const fetch = createHttpsFetch({ ca: options.caPem });
  let config: oidc.Configuration | null = null;
  const configuration = async () => {
    if (!config) {
      config = await oidc.discovery(
        new URL(options.issuer),
        options.clientId,
        options.clientSecret,
        undefined,
        {
          [oidc.customFetch]: fetch as oidc.CustomFetch,
        },
      );
      config[oidc.customFetch] = fetch as oidc.CustomFetch;
      // The demo RP itself runs on plain http://localhost; Tobira stays on HTTPS.
      oidc.allowInsecureRequests(config);
    }
    return config;
  };
  const pending = new Map<string, PendingLogin>();
  const sessions = new Map<
    string,
    { idToken: string; claims: Record<string, unknown>; userinfo: Record<string, unknown> }
  >();

  const cookie = (req: http.IncomingMessage, name: string) =>
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([k]) => k === name)?.[1];

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, html: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(html);
    };
    if (url.pathname === '/') {
      const session = sessions.get(cookie(req, 'demo_session') ?? '');
      send(
        200,
        page(
          'Tobira デモサイト / demo site',
          session
            ? `<p>ログイン中: <strong>${escape(session.claims.preferred_username)}</strong></p>${claimsHtml(session)}`
            : `<p>このサイトは Tobira でログインするデモのWebサイトです。</p><p><a class="button" href="/login">Tobiraでログイン / Sign in with Tobira</a></p>`,
        ),
      );
      return;
    }
    if (url.pathname === '/login') {
      const cfg = await configuration();
      const login: PendingLogin = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        created: Date.now(),
      };
      const id = randomBytes(16).toString('base64url');
      pending.set(id, login);
      const target = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(login.codeVerifier),
        code_challenge_method: 'S256',
        state: login.state,
        nonce: login.nonce,
      });
      res.writeHead(302, {
        location: target.href,
        'set-cookie': `demo_login=${id}; HttpOnly; SameSite=Lax; Path=/`,
      });
      res.end();
      return;
    }
    if (url.pathname === '/callback') {
      if (url.searchParams.has('error')) {
        send(
          400,
          page(
            'ログインできませんでした / sign-in failed',
            `<p>${escape(url.searchParams.get('error'))}: ${escape(url.searchParams.get('error_description') ?? '')}</p><p><a href="/">戻る / back</a></p>`,
          ),
        );
        return;
      }
      const id = cookie(req, 'demo_login') ?? '';
      const login = pending.get(id);
      pending.delete(id);
      if (!login)
        return send(
          400,
          page('エラー / error', '<p>No sign-in in progress. <a href="/">Start again</a>.</p>'),
        );
      const cfg = await configuration();
      const tokens = await oidc.authorizationCodeGrant(cfg, url, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()! as Record<string, unknown>;
      const userinfo = (await oidc.fetchUserInfo(cfg, tokens.access_token, String(claims.sub))) as Record<
        string,
        unknown
      >;
      const sid = randomBytes(16).toString('base64url');
      sessions.set(sid, { idToken: tokens.id_token!, claims, userinfo });
      send(200, page('ログインしました / signed in', claimsHtml({ claims, userinfo })), {
        'set-cookie': `demo_session=${sid}; HttpOnly; SameSite=Lax; Path=/`,
      });
      return;
    }
    if (url.pathname === '/logout') {
      const sid = cookie(req, 'demo_session') ?? '';
      const session = sessions.get(sid);
      sessions.delete(sid);
      const cfg = await configuration();
      const target = oidc.buildEndSessionUrl(cfg, {
        post_logout_redirect_uri: `${base}/`,
        ...(session ? { id_token_hint: session.idToken } : {}),
      });
      res.writeHead(302, { location: target.href, 'set-cookie': 'demo_session=; Max-Age=0; Path=/' });
      res.end();
      return;
    }
    send(404, page('Not found', '<p><a href="/">Home</a></p>'));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('エラー / error', `<p>${escape((error as Error).message)}</p>`));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    redirectUri,
    close: () =>
      new Promise<void>((resolve) => {
        fetch.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
