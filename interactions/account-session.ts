/**
 * Sign-in for the account pages. Tobira is its own relying party through a built-in client
 * (`tobira-account`): the same certificate + password (+ OTP) login, always fresh (`prompt=login`),
 * the code redeemed in-process (PKCE and redirect URI checked), then a short server-side session
 * bound to the certificate that signed in.
 *
 * The callback is bound to the browser that started the login (a SameSite=Lax cookie whose hash the
 * login state keeps: a captured callback URL is worthless elsewhere, and a victim cannot be signed in
 * to an attacker's account) and, through the binding rule, to the certificate the code's session was
 * bound to. Every page view asks the binding rule again, so a revoked certificate or a locked account
 * ends the session at once; activity slides the idle expiry but never past an absolute lifetime.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Clock } from '../src/clock.js';
import { clientCertificateDer, type ProxyTrust } from '../src/http/client-context.js';
import { newToken, safeEqual } from '../src/random.js';
import type { Standing } from '../src/policy/binding.js';
import type { BindingGuard } from '../src/services/binding-guard.js';
import type { EphemeralStore, OidcArtifactStore } from '../src/store.js';
import { EphemeralRecords } from '../src/services/ephemeral-records.js';
import { ServerSessions } from './server-sessions.js';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from '../src/account-client.js';

const LOGIN_KIND = 'TobiraAccountLogin';

/** A login the account pages started: its PKCE verifier, where to return, the browser's hash, when (ms). */
interface PendingLogin {
  verifier: string;
  returnTo: string;
  browser: string;
  askedAt: number;
}
/** The cookie that ties a callback to the browser that started the login. */
const LOGIN_COOKIE = { name: 'tobira_account_login', path: '/account/callback' };
const LOGIN_TTL_SECONDS = 600;

export interface AccountSession {
  id: string;
  accountId: string;
  certFingerprint: string;
  csrf: string;
  usedOtp: boolean;
  /** When the password was last proven (the login, or a re-authentication), epoch ms. */
  authenticatedAt: number;
  /** When this session began, epoch ms: the absolute lifetime counts from here. */
  startedAt: number;
  /** Sealed TOTP secret while the login-method change sets up an authenticator. */
  pendingTotpSecretEnc?: string | null;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class AccountSessions {
  readonly #sessions: ServerSessions<AccountSession>;
  readonly #logins: EphemeralRecords<PendingLogin>;

  constructor(
    private readonly deps: {
      provider: Provider;
      /** Ephemeral: its sessions and pending logins; artifacts: signing out revokes its grant. */
      store: EphemeralStore & OidcArtifactStore;
      clock: Clock;
      trust: ProxyTrust;
      issuer: string;
      guard: Pick<BindingGuard, 'forSession' | 'forToken' | 'boundAt'>;
      /** Idle expiry, slid by each page view. */
      ttlSeconds: number;
      /** Absolute lifetime, however active the session. */
      maxAgeSeconds: number;
    },
  ) {
    this.#sessions = new ServerSessions<AccountSession>({
      store: deps.store,
      clock: deps.clock,
      ttlSeconds: deps.ttlSeconds,
      kind: 'TobiraAccountSession',
      cookie: { name: 'tobira_account', path: '/account', sameSite: 'strict' },
    });
    this.#logins = new EphemeralRecords<PendingLogin>({
      store: deps.store,
      clock: deps.clock,
      kind: LOGIN_KIND,
      ttlSeconds: LOGIN_TTL_SECONDS,
    });
  }

  /**
   * The session of this request and what its certificate proves, if the binding rule still holds for the
   * certificate presented now; a session it refuses (revoked, locked, another certificate) is ended.
   */
  async current(ctx: Context): Promise<{ session: AccountSession; standing: Standing } | null> {
    const session = await this.#sessions.read(ctx);
    if (!session) return null;
    const now = this.deps.clock.now().getTime();
    const bound = {
      sessionUid: undefined,
      fingerprint: session.certFingerprint,
      accountId: session.accountId,
      clientId: ACCOUNT_CLIENT_ID,
    };
    const der = clientCertificateDer(ctx.req, this.deps.trust);
    const verdict = await this.deps.guard.forSession(der, bound);
    if (now - session.startedAt > this.deps.maxAgeSeconds * 1000) {
      await this.#sessions.destroy(ctx, session);
      return null;
    }
    if (!verdict.ok) {
      // The session ends when its own certificate or account no longer stands; a request with another
      // (or no) certificate is refused but cannot end the session of the browser it copied a cookie from.
      if (!(await this.deps.guard.forToken(bound)).ok) await this.#sessions.destroy(ctx, session);
      return null;
    }
    // Sliding expiry: each page view keeps the session for another TTL.
    await this.#sessions.write(session);
    return { session, standing: verdict.standing };
  }

  /** Send the browser to the login, remembering state and PKCE verifier server-side. */
  async startLogin(ctx: Context, returnTo: string): Promise<void> {
    const state = newToken(24);
    const verifier = newToken(32);
    const browser = newToken(24);
    const askedAt = this.deps.clock.now().getTime();
    await this.#logins.put(state, { verifier, returnTo, browser: s256(browser), askedAt });
    // Lax, not Strict: the callback is a top-level navigation that may follow a cross-site start.
    ctx.cookies.set(LOGIN_COOKIE.name, browser, {
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      signed: false,
      path: LOGIN_COOKIE.path,
      maxAge: LOGIN_TTL_SECONDS * 1000,
    });
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

  /**
   * Redeem the code of the callback; returns where to go next, or null when anything does not add up:
   * state unknown, another browser, code expired/used/foreign, PKCE or redirect URI wrong, the
   * binding rule refusing the certificate presented now against the one the code's session is bound to,
   * or a session whose latest login is older than this request (single sign-on, no password asked).
   */
  async finishLogin(ctx: Context): Promise<string | null> {
    const { provider } = this.deps;
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    const pending = state ? await this.#logins.get(state) : null;
    const browser = ctx.cookies.get(LOGIN_COOKIE.name, { signed: false }) ?? '';
    if (!pending || !code || !browser || !safeEqual(s256(browser), pending.browser)) return null;
    await this.#logins.delete(state);
    ctx.cookies.set(LOGIN_COOKIE.name, null, { path: LOGIN_COOKIE.path, secure: true, httpOnly: true });
    const grant = await provider.AuthorizationCode.find(code);
    if (
      !grant ||
      grant.isExpired ||
      (grant as { consumed?: number }).consumed ||
      grant.clientId !== ACCOUNT_CLIENT_ID ||
      !grant.accountId
    )
      return null;
    if (
      grant.codeChallenge !== s256(pending.verifier) ||
      grant.redirectUri !== accountClientMetadata(this.deps.issuer).redirect_uris[0]
    )
      return null;
    await grant.consume();
    const verdict = await this.deps.guard.forSession(clientCertificateDer(ctx.req, this.deps.trust), {
      sessionUid: grant.sessionUid,
      accountId: grant.accountId,
      clientId: ACCOUNT_CLIENT_ID,
    });
    if (!verdict.ok) return null;
    // A login made for this request (`prompt=login`), not single sign-on from an earlier one: the browser
    // chooses the authorization URL's parameters, and dropping the prompt must not skip the password.
    const loggedInAt = await this.deps.guard.boundAt(grant.sessionUid);
    if (loggedInAt === null || !(loggedInAt >= pending.askedAt)) return null;
    const now = this.deps.clock.now().getTime();
    const session: AccountSession = {
      id: this.#sessions.newId(),
      accountId: grant.accountId,
      certFingerprint: verdict.standing.certificate.fingerprintS256,
      csrf: newToken(24),
      usedOtp: (grant.amr ?? []).includes('otp'),
      authenticatedAt: typeof grant.authTime === 'number' ? grant.authTime * 1000 : now,
      startedAt: now,
    };
    await this.#sessions.write(session, ctx);
    return pending.returnTo;
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
