/**
 * oidc-provider configuration: clients and artifacts from the store, claims from the account, the
 * terminal and the certificate of this login, pages in Tobira's look.
 *
 * Every OIDC session is bound to the certificate that signed in (`SessionBindings`, written right after
 * the `resume` route), and every path that can mint a code or a token consults the one binding rule
 * (`BindingGuard`): the login prompt's `binding` check on the authorization endpoint (SSO included:
 * the presented certificate must be the bound one, still standing, of an active account of the client's
 * tenant), `findAccount` on the token and userinfo endpoints (the bound certificate must still stand),
 * and introspection's `allowedPolicy` (only the token's own client, and only while its binding holds).
 */
import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Next } from 'koa';
import Provider, {
  interactionPolicy,
  type AdapterPayload,
  type ErrorOut,
  type AdapterConstructor,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import './provider-errors.js';
import { createOidcAdapterFactory } from '../adapters/oidc-adapter.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './crypto/secret-box.js';
import { openClientSecret } from './services/clients.js';
import { newToken } from './random.js';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './account-client.js';
import { clientCertificateDer, type ProxyTrust } from './http/client-context.js';
import { TOBIRA_CLIENT_PROPERTIES, clientAuthConfiguration } from './provider-client-auth.js';
import { ACR, acrValuesOf, requestedLevel } from './policy/login-steps.js';
import type { Standing } from './policy/binding.js';
import type { BindingGuard, BoundUse, GuardVerdict } from './services/binding-guard.js';
import type { SessionBindings } from './services/session-bindings.js';
import type { ClientStore, OidcArtifactStore } from './store.js';

const SESSION_TTL_SECONDS = 8 * 3600;
/** oidc-provider's own uids are 21 nanoid characters (126 bits); this is as random. */
const newSessionUid = () => newToken(16);
const CODE_TTL_SECONDS = 60;
/** Absolute: a rotated refresh token keeps its predecessor's remaining lifetime. */
const REFRESH_TOKEN_TTL_SECONDS = 24 * 3600;
/** A session's certificate binding outlives everything that relies on it: the session, its codes, its refresh tokens. */
export const BINDING_TTL_SECONDS = REFRESH_TOKEN_TTL_SECONDS + CODE_TTL_SECONDS;

/** What the login interaction passes along with its result, read back after `resume`. */
export interface TobiraLoginResult {
  certFingerprint: string;
}

/**
 * RFC 8705 style thumbprint: base64url of the certificate's SHA-256. Made once per fingerprint (a claim
 * of every userinfo answer; a pure function of it, so never stale), at most 1,000 then starting over.
 */
const thumbprints = new Map<string, string>();
function thumbprint(hex: string): string {
  let known = thumbprints.get(hex);
  if (known === undefined) {
    if (thumbprints.size >= 1000) thumbprints.clear();
    thumbprints.set(hex, (known = Buffer.from(hex, 'hex').toString('base64url')));
  }
  return known;
}

export interface ProviderPages {
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
  renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void>;
}

export interface ProviderDeps {
  issuer: string;
  store: OidcArtifactStore & ClientStore;
  clock: Clock;
  jwks: { keys: Record<string, unknown>[] };
  cookieKeys: string[];
  trust: ProxyTrust;
  pages: ProviderPages;
  /** Opens client secrets sealed in the store. */
  box: SecretBox;
  guard: BindingGuard;
  /** CAs trusted for relying parties' tls_client_auth (empty: that method is not offered). */
  rpCas?: readonly X509Certificate[];
}

type SessionVerdicts = (ctx: KoaContextWithOIDC) => Promise<GuardVerdict>;

/**
 * The binding verdict of this authorization request's session, computed once per request (the checks
 * and `findAccount` all ask): the presented certificate against the session's binding — or, right
 * after a login (`resume`), against the certificate that login used.
 */
function sessionVerdicts(trust: ProxyTrust, guard: BindingGuard): SessionVerdicts {
  const verdicts = new WeakMap<object, Promise<GuardVerdict>>();
  return (ctx) => {
    let verdict = verdicts.get(ctx);
    if (!verdict) {
      const { session, params, client } = ctx.oidc;
      const fresh = (ctx.oidc as { result?: { tobira?: TobiraLoginResult } }).result?.tobira?.certFingerprint;
      const der = clientCertificateDer(ctx.req as IncomingMessage, trust);
      const ask = () =>
        guard.forSession(der, {
          sessionUid: session?.uid,
          ...(fresh ? { fingerprint: fresh } : {}),
          accountId: String(session?.accountId),
          clientId: client?.clientId ?? String(params?.client_id),
        });
      verdict = fresh ? apartFromEarlierLogins(guard, session, fresh).then(ask) : ask();
      verdicts.set(ctx, verdict);
    }
    return verdict;
  };
}

/**
 * A login that resumes a session bound to another certificate (or to none any more: expired) gives the
 * session a new uid before anything is minted (the verdict is asked by `findAccount` before any code).
 * Codes and tokens carry the uid and the binding is keyed by it: binding the same uid to the new
 * certificate would hand every earlier token of the session to it, so revoking the certificate those
 * were issued under would end none of them. The earlier tokens keep the old uid and its binding.
 */
async function apartFromEarlierLogins(
  guard: Pick<BindingGuard, 'boundFingerprint'>,
  session: KoaContextWithOIDC['oidc']['session'],
  fresh: string,
): Promise<void> {
  if (!session || (session as { new?: boolean }).new) return; // a new session's uid has no binding yet
  if ((await guard.boundFingerprint(session.uid)) !== fresh) session.uid = newSessionUid();
}

/** Login is prompted again unless the session's binding holds for this certificate and this client. */
function bindingCheck(verdictOf: SessionVerdicts) {
  const { Check } = interactionPolicy;
  return new Check(
    'binding',
    'the session is not bound to this certificate, account and client',
    async (ctx) => {
      if (!ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
      return (await verdictOf(ctx)).ok ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    },
  );
}

/** Login is prompted again when `acr_values` asks for a level above the one the session reached. */
function stepUpCheck(verdictOf: SessionVerdicts) {
  const { Check } = interactionPolicy;
  return new Check('acr_values', "the requested authentication level is above the session's", async (ctx) => {
    const { session, params } = ctx.oidc;
    if (!session?.accountId || session.acr === ACR.otp) return Check.NO_NEED_TO_PROMPT;
    const verdict = await verdictOf(ctx);
    if (!verdict.ok) return Check.NO_NEED_TO_PROMPT; // the binding check prompts already
    return requestedLevel(acrValuesOf(params?.acr_values), verdict.standing.account) === 'password'
      ? Check.NO_NEED_TO_PROMPT
      : Check.REQUEST_PROMPT;
  });
}

/**
 * A token's use for the binding guard. The tenant comes from the client record oidc-provider read in
 * this request (`tobira_tenant`, from the store); the account pages' client serves every tenant.
 */
function tokenUse(sessionUid: string | undefined, accountId: string, client: { clientId: string }): BoundUse {
  const tenant = (client as { tobira_tenant?: unknown }).tobira_tenant;
  const clientTenantId =
    client.clientId === ACCOUNT_CLIENT_ID ? null : typeof tenant === 'string' ? tenant : undefined;
  return {
    sessionUid,
    accountId,
    clientId: client.clientId,
    ...(clientTenantId !== undefined ? { clientTenantId } : {}),
  };
}

/** The account as oidc-provider sees it: claims of this login's account, terminal and certificate. */
function accountOf({ account, terminal, certificate }: Standing) {
  return {
    accountId: account.id,
    async claims() {
      return {
        sub: account.id,
        preferred_username: account.userId,
        ...(account.displayName ? { name: account.displayName } : {}),
        tenant: account.tenantId,
        email: terminal.email,
        email_verified: false,
        'x5t#S256': thumbprint(certificate.fingerprintS256),
      };
    },
  };
}

/**
 * Client secrets opened once per sealed value: oidc-provider reads the client on every token,
 * introspection and userinfo request (and keeps the opened secret in its own client cache anyway). The
 * key is the sealed text itself, so a changed secret is opened anew.
 */
function openedSecrets(box: SecretBox, limit = 1000): Pick<SecretBox, 'openText'> {
  const opened = new Map<string, string>();
  return {
    openText(sealed, purpose) {
      const key = `${purpose}\n${sealed}`;
      let secret = opened.get(key);
      if (secret === undefined) {
        secret = box.openText(sealed, purpose);
        if (opened.size >= limit) opened.clear();
        opened.set(key, secret);
      }
      return secret;
    },
  };
}

/**
 * oidc-provider's `Client.find` on every token, introspection and userinfo request reads the metadata
 * through the adapter, then serialises and hashes it to find the Client it built before. The store's
 * client record — kept across requests, handed out frozen and the same object while the security epoch
 * stands still (store/request-cache.ts) — names that Client instead: a change to the client (its secret,
 * its deletion) moves the epoch, the next request reads a new record, and oidc-provider builds anew.
 */
function keepClients(provider: Provider, store: ClientStore): void {
  const Client = provider.Client as unknown as { find(id: unknown): Promise<unknown> };
  const find = Client.find.bind(Client);
  const built = new WeakMap<object, unknown>();
  // One promise step when the Client is known (an async function's frame costs every request).
  Client.find = (id) => {
    if (typeof id !== 'string' || !id) return find(id);
    return store.getClient(id).then((record) => {
      if (!record || !Object.isFrozen(record)) return find(id); // not kept (outside a request): no key
      return (
        built.get(record) ??
        find(id).then((client) => {
          if (client) built.set(record, client);
          return client;
        })
      );
    });
  };
}

// Any Koa middleware (a router's too, whose context type has more).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PageMiddleware = (ctx: any, next: Next) => unknown;

/** oidc-provider's back-channel endpoints: JSON for relying parties, answered by oidc-provider alone. */
const BACK_CHANNEL_ROUTES = ['token', 'introspection', 'revocation', 'userinfo', 'jwks'];

/** The paths of the back-channel endpoints (JSON only: they get the API's security headers). */
export const backChannelPaths = (provider: Provider): ReadonlySet<string> =>
  new Set(BACK_CHANNEL_ROUTES.map((name) => provider.pathFor(name)));

/**
 * The middleware that serves pages (error pages, static files, form checks, Tobira's routers) as one,
 * as Koa runs an application's (koa-compose's rules: `next` at most once). Requests to the back-channel
 * endpoints skip it with a single check (http/request-front.ts): they need none of it (oidc-provider
 * renders their errors itself), and each middleware they passed through, even just to skip it, cost
 * every token, introspection and userinfo request a step of Koa's dispatch.
 */
export function composePages(stack: readonly PageMiddleware[]): PageMiddleware {
  return (ctx, next) => {
    let called = -1;
    const dispatch = (i: number): Promise<unknown> => {
      if (i <= called) return Promise.reject(new Error('next() called multiple times'));
      called = i;
      const middleware = i < stack.length ? stack[i]! : next;
      try {
        return Promise.resolve(middleware(ctx, () => dispatch(i + 1)));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
    return dispatch(0);
  };
}

export function createProvider(deps: ProviderDeps): Provider {
  const { store, clock } = deps;
  const secrets = openedSecrets(deps.box);
  // Clients live in the store with their tenant, their secret sealed; Tobira's own client is built in.
  const adapter = createOidcAdapterFactory(store, clock, {
    builtIn: (id) =>
      id === ACCOUNT_CLIENT_ID ? (accountClientMetadata(deps.issuer) as AdapterPayload) : undefined,
    toPayload: (client) =>
      ({
        ...openClientSecret(client.metadata, client.clientId, secrets),
        client_id: client.clientId,
        tobira_tenant: client.tenantId,
        tobira_first_party: client.firstParty,
      }) as AdapterPayload,
  }) as unknown as AdapterConstructor;

  const { guard } = deps;
  const verdictOf = sessionVerdicts(deps.trust, guard);
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(bindingCheck(verdictOf));
  policy.get('login')!.checks.add(stepUpCheck(verdictOf));
  /** Introspection and revocation: a client reaches only its own tokens, and only while bound. */
  const ownBoundToken = async (
    _ctx: KoaContextWithOIDC,
    client: { clientId: string },
    token: { clientId?: string; accountId?: string; sessionUid?: string },
  ) => {
    if (token.clientId !== client.clientId) return false;
    if (!token.accountId) return true;
    return (await guard.forToken(tokenUse(token.sessionUid, token.accountId, client))).ok;
  };

  const clientAuth = clientAuthConfiguration({
    trust: deps.trust,
    rpCas: deps.rpCas ?? [],
    now: () => clock.now(),
  });

  const configuration: Configuration = {
    adapter,
    jwks: deps.jwks as Configuration['jwks'],
    // OIDC Core 3.1.2.1 and RP-Initiated Logout allow POST at /auth and /session/end; oidc-provider
    // serves it only when the session cookie also travels on a cross-site POST (SameSite=None, Secure).
    // The session alone signs nobody in: every use still needs the bound certificate (login check `binding`).
    enableHttpPostMethods: true,
    cookies: {
      keys: deps.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'none' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    // acr/amr/auth_time ride on the openid scope so every ID token says how the user signed in.
    claims: {
      sid: null,
      iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time', 'x5t#S256'],
      email: ['email', 'email_verified'],
      // The profile Tobira holds: the person's name as the website registered it, the user ID, the tenant.
      profile: ['name', 'preferred_username', 'tenant'],
    },
    // Put the scope's claims into the ID token too: RPs of this service read them from there.
    conformIdTokenClaims: false,
    acrValues: [ACR.password, ACR.otp],
    extraClientMetadata: { properties: TOBIRA_CLIENT_PROPERTIES },
    clientAuthMethods: clientAuth.clientAuthMethods,
    pkce: clientAuth.pkce,
    discovery: clientAuth.discovery,
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: deps.pages.logoutSource,
        postLogoutSuccessSource: deps.pages.postLogoutSuccessSource,
      },
      introspection: { enabled: true, allowedPolicy: ownBoundToken },
      // Revoking never needs the binding to hold (a revoked certificate's tokens may still be revoked).
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      claimsParameter: { enabled: true },
      mTLS: clientAuth.mTLS,
    },
    renderError: deps.pages.renderError,
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    ttl: {
      Interaction: 30 * 60,
      Session: SESSION_TTL_SECONDS,
      Grant: 365 * 24 * 3600,
      AccessToken: 10 * 60,
      AuthorizationCode: CODE_TTL_SECONDS,
      IdToken: 10 * 60,
      RefreshToken: (ctx) =>
        ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? REFRESH_TOKEN_TTL_SECONDS,
    },
    async loadExistingGrant(ctx) {
      const client = ctx.oidc.client!;
      const accountId = ctx.oidc.account!.accountId;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!(client as unknown as { tobira_first_party?: boolean }).tobira_first_party) return existing;
      // First-party clients never see a consent page: their grant always covers what they ask for.
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope(String(ctx.oidc.params!.scope ?? 'openid'));
      const claims = ctx.oidc.requestParamClaims;
      if (claims && claims.size) grant.addOIDCClaims([...claims]);
      await grant.save();
      return grant;
    },
    /**
     * With a token (code exchange, refresh, userinfo): the certificate it is bound to must still stand.
     * Without one (the session's account on the authorization endpoint): the login prompt's binding
     * check decides whether this session may go on; an account it refuses is not handed out.
     */
    async findAccount(ctx, id, token) {
      const { sessionUid, clientId } = (token ?? {}) as { sessionUid?: string; clientId?: string };
      // The client oidc-provider loaded for this request is the token's (it checks that before asking).
      const loaded = ctx.oidc.client;
      const client = loaded && loaded.clientId === clientId ? loaded : { clientId: String(clientId) };
      const verdict = token ? await guard.forToken(tokenUse(sessionUid, id, client)) : await verdictOf(ctx);
      return verdict.ok && verdict.standing.account.id === id ? accountOf(verdict.standing) : undefined;
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  keepClients(provider, store);
  return provider;
}

/**
 * After a login resumes the authorization (GET /auth/:uid), binds the (possibly new) session to its
 * certificate. One of the pages' middleware (app.ts): the back-channel requests never pass it, and other
 * requests pass straight through (no async step of its own).
 */
export function resumeBinding(provider: Provider, bindings: Pick<SessionBindings, 'bind'>): PageMiddleware {
  // Lower-cased: oidc-provider's router matches /AUTH/:uid too (a session left unbound there only fails closed).
  const resumePrefix = `${provider.pathFor('authorization')}/`.toLowerCase();
  const bindAfterResume = async (ctx: { oidc?: unknown }, next: Next) => {
    await next();
    const oidc = ctx.oidc as
      (KoaContextWithOIDC['oidc'] & { result?: { tobira?: TobiraLoginResult } }) | undefined;
    const fingerprint = oidc?.route === 'resume' ? oidc.result?.tobira?.certFingerprint : undefined;
    if (fingerprint && oidc?.session?.accountId) await bindings.bind(oidc.session.uid, fingerprint);
  };
  return (ctx: { path: string; oidc?: unknown }, next: Next) =>
    ctx.path.toLowerCase().startsWith(resumePrefix) ? bindAfterResume(ctx, next) : next();
}
