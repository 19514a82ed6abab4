/**
 * The demo relying party started by `npm start`: a tiny website that signs in with Tobira through
 * openid-client v6 (authorization code flow with PKCE, state and nonce; client_secret_basic) and shows
 * the claims it received. It serves plain HTTP on the loopback interface — it is a demo, not something
 * to deploy; Tobira itself stays on HTTPS, trusted through its own CA (`caPem`).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { createHttpsFetch } from '../http/https-fetch.js';
import { negotiateLocale } from '../i18n/index.js';
import {
  alreadySignedInPage,
  failedPage,
  homePage,
  noLoginPage,
  notFoundPage,
  signedInPage,
  type Claims,
  type DemoLocale,
  type PageContext,
  type SignedIn,
} from './pages.js';

export interface DemoRpOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** 0 picks a free port. */
  port: number;
  /** Listen address, 127.0.0.1 by default; 'localhost' keeps `localhost` in the URLs. */
  host?: string;
  /** Tobira's CA certificate (PEM), the trust anchor for its TLS server certificate. */
  caPem: string;
  /** A fixed language; unset: each request's Accept-Language (ja or en, Japanese by default). */
  locale?: DemoLocale;
}

export interface DemoRp {
  url: string;
  redirectUri: string;
  close(): Promise<void>;
}

/** One authorization request on its way: what the callback must match. */
interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

interface Session extends SignedIn {
  idToken: string;
}

const LOGIN_COOKIE = 'tobira_demo_login';
const SESSION_COOKIE = 'tobira_demo_session';
const LOGIN_TTL_MS = 10 * 60_000;
const SESSION_TTL_MS = 8 * 60 * 60_000;
const MAX_ENTRIES = 10_000;

/** An in-memory map whose entries expire; keys are random ids handed out in HttpOnly cookies. */
class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  constructor(private readonly ttlMs: number) {}

  add(value: V): string {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
    // Oldest first: a flood of /login requests cannot grow the map without bound.
    while (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const id = randomBytes(18).toString('base64url');
    this.entries.set(id, { value, expires: now + this.ttlMs });
    return id;
  }

  get(id: string | undefined): V | undefined {
    const entry = id === undefined ? undefined : this.entries.get(id);
    return entry && entry.expires > Date.now() ? entry.value : undefined;
  }

  take(id: string | undefined): V | undefined {
    const value = this.get(id);
    if (id !== undefined) this.entries.delete(id);
    return value;
  }
}

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

const cookie = (name: string, value: string, maxAgeMs: number) =>
  `${name}=${value}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}`;

/**
 * What openid-client's errors carry: an OAuth `error` from Tobira, or a library `code` whose
 * message is generic ("invalid response encountered") and whose `cause` says what was wrong.
 */
function describeError(error: unknown): { code: string; description: string } {
  const e = error as { error?: unknown; error_description?: unknown; code?: unknown };
  const messages: string[] = [];
  for (let c: unknown = error; c instanceof Error && messages.length < 4; c = c.cause)
    messages.push(c.message);
  return {
    code: String(e.error ?? e.code ?? 'error'),
    description: String(e.error_description ?? (messages.join(': ') || error)),
  };
}

/** The host name the browser uses: a wildcard listen address is reached on the loopback one. */
function urlHost(listenHost: string): string {
  if (listenHost === '0.0.0.0' || listenHost === '::') return '127.0.0.1';
  return listenHost.includes(':') ? `[${listenHost}]` : listenHost;
}

export async function startDemoRp(options: DemoRpOptions): Promise<DemoRp> {
  const pageContext = (req: http.IncomingMessage): PageContext => ({
    locale: options.locale ?? negotiateLocale(undefined, req.headers['accept-language']),
    issuer: options.issuer,
  });
  const host = options.host ?? '127.0.0.1';
  const fetch = createHttpsFetch({ ca: options.caPem });
  const pending = new ExpiringMap<PendingLogin>(LOGIN_TTL_MS);
  const sessions = new ExpiringMap<Session>(SESSION_TTL_MS);
  let base = '';
  let redirectUri = '';

  // Discovery happens on first use, so the RP can start before (or without) Tobira answering; a
  // failed discovery is retried on the next request.
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      // Tobira registers its clients with client_secret_basic (openid-client would default to _post).
      .discovery(
        new URL(options.issuer),
        options.clientId,
        undefined,
        oidc.ClientSecretBasic(options.clientSecret),
        { [oidc.customFetch]: fetch },
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };

  const html = (
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      ...headers,
    });
    res.end(body);
  };
  const redirect = (res: http.ServerResponse, location: string, setCookie: string) => {
    res.writeHead(302, { location, 'set-cookie': setCookie, 'cache-control': 'no-store' });
    res.end();
  };

  async function login(res: http.ServerResponse, locale: DemoLocale): Promise<void> {
    const config = await configuration();
    const login: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
      ui_locales: locale,
    });
    redirect(res, target.href, cookie(LOGIN_COOKIE, pending.add(login), LOGIN_TTL_MS));
  }

  async function callback(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const ctx = pageContext(req);
    const clearLogin = { 'set-cookie': cookie(LOGIN_COOKIE, '', 0) };
    const error = url.searchParams.get('error');
    if (error !== null) {
      pending.take(readCookie(req, LOGIN_COOKIE));
      return html(
        res,
        400,
        failedPage(ctx, error, url.searchParams.get('error_description') ?? undefined),
        clearLogin,
      );
    }
    const login = pending.take(readCookie(req, LOGIN_COOKIE));
    if (!login) {
      // A reload of the callback after it signed in: its login is used up, the session is there.
      if (sessions.get(readCookie(req, SESSION_COOKIE))) return html(res, 200, alreadySignedInPage(ctx));
      return html(res, 400, noLoginPage(ctx), clearLogin);
    }
    let signedIn: Session;
    try {
      const config = await configuration();
      // Validates state, the ID token (signature, iss, aud, exp, nonce) and the PKCE exchange.
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims() as Claims;
      const userinfo = (await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))) as Claims;
      signedIn = { idToken: tokens.id_token!, claims, userinfo };
    } catch (cause) {
      const { code, description } = describeError(cause);
      return html(res, 400, failedPage(ctx, code, description), clearLogin);
    }
    const sessionCookie = cookie(SESSION_COOKIE, sessions.add(signedIn), SESSION_TTL_MS);
    html(res, 200, signedInPage(ctx, signedIn), {
      'set-cookie': [clearLogin['set-cookie'], sessionCookie],
    });
  }

  async function logout(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const session = sessions.take(readCookie(req, SESSION_COOKIE));
    const config = await configuration();
    // RP-initiated logout ends the Tobira session too; without an end_session_endpoint just come home.
    const target = config.serverMetadata().end_session_endpoint
      ? oidc.buildEndSessionUrl(config, {
          post_logout_redirect_uri: `${base}/`,
          ...(session ? { id_token_hint: session.idToken } : {}),
        }).href
      : '/';
    redirect(res, target, cookie(SESSION_COOKIE, '', 0));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      return void res.end();
    }
    const ctx = pageContext(req);
    switch (url.pathname) {
      case '/':
        return html(res, 200, homePage(ctx, sessions.get(readCookie(req, SESSION_COOKIE))));
      case '/login':
        return login(res, ctx.locale);
      case '/callback':
        return callback(req, res, url);
      case '/logout':
        return logout(req, res);
      default:
        return html(res, 404, notFoundPage(ctx));
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const { code, description } = describeError(error);
      if (res.headersSent) return void res.destroy();
      html(res, 502, failedPage(pageContext(req), code, description));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${urlHost(host)}:${port}`;
  redirectUri = `${base}/callback`;
  return {
    url: base,
    redirectUri,
    close: () =>
      new Promise<void>((resolve) => {
        fetch.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
