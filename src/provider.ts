/**
 * oidc-provider configuration: clients and artifacts from the store, claims from the account, the
 * terminal and the certificate of this login, pages in Tobira's look.
 *
 * Every OIDC session is bound to the certificate that signed in: right after the `resume` route the
 * session uid → certificate fingerprint binding is stored (as an expiring artifact). The login prompt
 * asks again when a request presents any other certificate (`certificateCheck`), and `findAccount`
 * reads the binding (through the token's `sessionUid`) to give that terminal's e-mail and the
 * certificate's thumbprint as claims.
 */
import type { IncomingMessage } from 'node:http';
import Provider, {
  interactionPolicy,
  type AdapterPayload,
  type ErrorOut,
  type AdapterConstructor,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { createOidcAdapterFactory } from '../adapters/oidc-adapter.js';
import { fingerprintS256 } from '../certs/index.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './crypto/secret-box.js';
import { openClientSecret } from './services/clients.js';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './account-client.js';
import { clientCertificateDer, type ProxyTrust } from './http/client-context.js';
import { ACR } from './policy/login-steps.js';
import type { Store } from './store.js';

const SESSION_TTL_SECONDS = 8 * 3600;
const BINDING_MODEL = 'TobiraSessionCertificate';

/** What the login interaction passes along with its result, read back after `resume`. */
export interface TobiraLoginResult {
  certFingerprint: string;
}

/** Session uid → the certificate that signed the session in. */
export class SessionCertificates {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async bind(sessionUid: string, certFingerprint: string): Promise<void> {
    await this.store.oidcUpsert(
      BINDING_MODEL,
      sessionUid,
      { certFingerprint },
      SESSION_TTL_SECONDS,
      this.clock.now(),
    );
  }

  async get(sessionUid: string): Promise<string | null> {
    const found = await this.store.oidcFind(BINDING_MODEL, sessionUid, this.clock.now());
    return typeof found?.certFingerprint === 'string' ? found.certFingerprint : null;
  }
}

/** RFC 8705 style thumbprint: base64url of the certificate's SHA-256. */
const thumbprint = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');

export interface ProviderPages {
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
  renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void>;
}

export interface ProviderDeps {
  issuer: string;
  store: Store;
  clock: Clock;
  jwks: { keys: Record<string, unknown>[] };
  cookieKeys: string[];
  trust: ProxyTrust;
  pages: ProviderPages;
  /** Opens client secrets sealed in the store. */
  box: SecretBox;
}

/** Login is prompted again when the presented certificate is not the one the session signed in with. */
function certificateCheck(trust: ProxyTrust, bindings: SessionCertificates) {
  const { Check } = interactionPolicy;
  return new Check('certificate_changed', 'the client certificate differs from the session', async (ctx) => {
    const session = ctx.oidc.session;
    if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
    const der = clientCertificateDer(ctx.req as IncomingMessage, trust);
    // Just signed in (resume): the interaction's own result names the certificate; else the stored binding.
    const fresh = (ctx.oidc as { result?: { tobira?: TobiraLoginResult } }).result?.tobira?.certFingerprint;
    const bound = fresh ?? (await bindings.get(session.uid));
    return der && bound && fingerprintS256(der) === bound ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  });
}

export function createProvider(deps: ProviderDeps): Provider {
  const { store, clock } = deps;
  // Clients live in the store with their tenant, their secret sealed; Tobira's own client is built in.
  const adapter = createOidcAdapterFactory(store, clock, {
    builtIn: (id) =>
      id === ACCOUNT_CLIENT_ID ? (accountClientMetadata(deps.issuer) as AdapterPayload) : undefined,
    toPayload: (client) =>
      ({
        ...openClientSecret(client.metadata, client.clientId, deps.box),
        client_id: client.clientId,
        tobira_tenant: client.tenantId,
        tobira_first_party: client.firstParty,
      }) as AdapterPayload,
  }) as unknown as AdapterConstructor;

  const bindings = new SessionCertificates(store, clock);
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(certificateCheck(deps.trust, bindings));

  const configuration: Configuration = {
    adapter,
    jwks: deps.jwks as Configuration['jwks'],
    cookies: {
      keys: deps.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    // acr/amr/auth_time ride on the openid scope so every ID token says how the user signed in.
    claims: {
      sid: null,
      iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time', 'x5t#S256'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'tenant'],
    },
    // Put the scope's claims into the ID token too: RPs of this service read them from there.
    conformIdTokenClaims: false,
    acrValues: [ACR.password, ACR.otp],
    extraClientMetadata: { properties: ['tobira_tenant', 'tobira_first_party'] },
    pkce: { required: () => true },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: deps.pages.logoutSource,
        postLogoutSuccessSource: deps.pages.postLogoutSuccessSource,
      },
      introspection: { enabled: true },
      revocation: { enabled: true },
      claimsParameter: { enabled: true },
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
      AuthorizationCode: 60,
      IdToken: 10 * 60,
      RefreshToken: 24 * 3600,
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
    async findAccount(ctx, id, token) {
      const account = await store.getAccount(id);
      if (!account || account.status !== 'active') return undefined;
      const sessionUid = (token as { sessionUid?: string } | undefined)?.sessionUid ?? ctx.oidc?.session?.uid;
      const fingerprint = sessionUid ? await bindings.get(sessionUid) : null;
      const certificate = fingerprint ? await store.getCertificateByFingerprint(fingerprint) : null;
      // A revoked certificate ends what its sessions can obtain, including userinfo.
      if (fingerprint && (certificate?.status !== 'active' || certificate.accountId !== account.id))
        return undefined;
      const terminal = certificate ? await store.getTerminal(certificate.terminalId) : null;
      return {
        accountId: account.id,
        async claims() {
          return {
            sub: account.id,
            preferred_username: account.userId,
            tenant: account.tenantId,
            ...(terminal ? { email: terminal.email, email_verified: false } : {}),
            ...(certificate ? { 'x5t#S256': thumbprint(certificate.fingerprintS256) } : {}),
          };
        },
      };
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  // After a login resumes the authorization, bind the (possibly new) session to its certificate.
  provider.use(async (ctx, next) => {
    await next();
    const oidc = ctx.oidc as
      (KoaContextWithOIDC['oidc'] & { result?: { tobira?: TobiraLoginResult } }) | undefined;
    const fingerprint = oidc?.route === 'resume' ? oidc.result?.tobira?.certFingerprint : undefined;
    if (fingerprint && oidc?.session?.accountId) await bindings.bind(oidc.session.uid, fingerprint);
  });
  return provider;
}
