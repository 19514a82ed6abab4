/**
 * Sign-in for the account pages. Tobira is its own relying party through a built-in client
 * (`tobira-account`): the same certificate + password (+ OTP) login, always fresh (`prompt=login`),
 * the code redeemed in-process (PKCE and redirect URI checked), then a short server-side session
 * bound to the certificate that signed in.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { fingerprintS256 } from '../certs/index.js';
import type { Clock } from '../src/clock.js';
import { clientCertificateDer, type ProxyTrust } from '../src/http/client-context.js';
import { newToken } from '../src/random.js';
import type { Store } from '../src/store.js';
import { ServerSessions } from './server-sessions.js';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from '../src/account-client.js';

const LOGIN_MODEL = 'TobiraAccountLogin';

export interface AccountSession {
  id: string;
  accountId: string;
  certFingerprint: string;
  csrf: string;
  usedOtp: boolean;
  /** Sealed TOTP secret while the login-method change sets up an authenticator. */
  pendingTotpSecretEnc?: string | null;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class AccountSessions {
  readonly #sessions: ServerSessions<AccountSession>;

  constructor(
    private readonly deps: {
      provider: Provider;
      store: Store;
      clock: Clock;
      trust: ProxyTrust;
      issuer: string;
      ttlSeconds: number;
    },
  ) {
    this.#sessions = new ServerSessions<AccountSession>({
      store: deps.store,
      clock: deps.clock,
      ttlSeconds: deps.ttlSeconds,
      model: 'TobiraAccountSession',
      cookie: { name: 'tobira_account', path: '/account', sameSite: 'strict' },
    });
  }

  /** The session of this request, if the same certificate that signed in is presented again. */
  async current(ctx: Context): Promise<AccountSession | null> {
    const session = await this.#sessions.read(ctx);
    if (!session) return null;
    const der = clientCertificateDer(ctx.req, this.deps.trust);
    if (!der || fingerprintS256(der) !== session.certFingerprint) return null;
    // Sliding expiry: each page view keeps the session for another TTL.
    await this.#sessions.write(session);
    return session;
  }

  /** Send the browser to the login, remembering state and PKCE verifier server-side. */
  async startLogin(ctx: Context, returnTo: string): Promise<void> {
    const state = newToken(24);
    const verifier = newToken(32);
    await this.deps.store.oidcUpsert(LOGIN_MODEL, state, { verifier, returnTo }, 600, this.deps.clock.now());
    const url = new URL('/auth', this.deps.issuer);
    const params = {
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: accountClientMetadata(this.deps.issuer).redirect_uris[0]!,
      state,
      code_challenge: s256(verifier),
      code_challenge_method: 'S256',
      prompt: 'login',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    ctx.redirect(url.href);
  }

  /** Redeem the code of the callback; returns where to go next, or null when anything does not add up. */
  async finishLogin(ctx: Context): Promise<string | null> {
    const { provider, store, clock } = this.deps;
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    const pending = state ? await store.oidcFind(LOGIN_MODEL, state, clock.now()) : null;
    if (!pending || !code) return null;
    await store.oidcDestroy(LOGIN_MODEL, state);
    const grant = await provider.AuthorizationCode.find(code);
    if (
      !grant ||
      grant.isExpired ||
      (grant as { consumed?: number }).consumed ||
      grant.clientId !== ACCOUNT_CLIENT_ID
    )
      return null;
    if (
      grant.codeChallenge !== s256(String(pending.verifier)) ||
      grant.redirectUri !== accountClientMetadata(this.deps.issuer).redirect_uris[0]
    )
      return null;
    await grant.consume();
    const der = clientCertificateDer(ctx.req, this.deps.trust);
    if (!der || !grant.accountId) return null;
    const session: AccountSession = {
      id: this.#sessions.newId(),
      accountId: grant.accountId,
      certFingerprint: fingerprintS256(der),
      csrf: newToken(24),
      usedOtp: (grant.amr ?? []).includes('otp'),
    };
    await this.#sessions.write(session, ctx);
    return String(pending.returnTo ?? '/account');
  }

  save(session: AccountSession): Promise<void> {
    return this.#sessions.write(session);
  }

  /**
   * ログアウト: ends the account session and the Tobira (OP) session of the same account, so the
   * next relying-party login asks for the password again, and revokes the grants made in that session
   * (tokens included) as RP-initiated logout does — except offline access the user chose to keep.
   */
  async end(ctx: Context, session: AccountSession): Promise<void> {
    await this.#sessions.destroy(ctx, session);
    const op = await this.deps.provider.Session.get(ctx);
    if (!op.accountId || op.accountId !== session.accountId) return;
    for (const clientId of Object.keys(op.authorizations ?? {})) {
      const grantId = op.grantIdFor(clientId);
      if (grantId && !op.authorizationFor(clientId)?.persistsLogout) {
        await this.deps.store.oidcRevokeByGrantId(grantId); // its codes and tokens
        await this.deps.store.oidcDestroy('Grant', grantId);
      }
    }
    await op.destroy();
  }
}
