/** A real relying party for tests: openid-client v6 against Tobira, trusting Tobira's CA. */
import * as oidc from 'openid-client';
import { createHttpsFetch } from '../../src/http/https-fetch.js';
import type { TestClient } from './fixtures.js';

export interface AuthorizationStart {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export class TestRp {
  private constructor(
    readonly config: oidc.Configuration,
    readonly client: TestClient,
  ) {}

  /** `options`: another client authentication, or a fetch presenting the RP's TLS certificate. */
  static async discover(
    issuer: string,
    client: TestClient,
    caPem: string,
    options: { auth?: oidc.ClientAuth; fetch?: typeof globalThis.fetch } = {},
  ): Promise<TestRp> {
    const fetch = options.fetch ?? createHttpsFetch({ ca: caPem });
    const config = await oidc.discovery(new URL(issuer), client.clientId, client.clientSecret, options.auth, {
      [oidc.customFetch]: fetch as oidc.CustomFetch,
    });
    config[oidc.customFetch] = fetch as oidc.CustomFetch;
    return new TestRp(config, client);
  }

  async start(extra: Record<string, string> = {}): Promise<AuthorizationStart> {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.client.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /** Exchange the code in `callbackUrl`; validates state, nonce, PKCE and the ID token. */
  async finish(callbackUrl: string, start: AuthorizationStart) {
    const tokens = await oidc.authorizationCodeGrant(this.config, new URL(callbackUrl), {
      pkceCodeVerifier: start.codeVerifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(this.config, tokens.access_token, claims.sub);
    return { tokens, claims, userinfo };
  }
}
