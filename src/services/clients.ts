/** Relying-party clients as Tobira registers them: code flow with PKCE, secret in Basic auth. */
import { newToken } from '../random.js';

export function clientMetadata(input: { name: string; redirectUris: string[]; secret?: string }): {
  metadata: Record<string, unknown>;
  clientSecret: string;
} {
  const clientSecret = input.secret ?? newToken(32);
  return {
    clientSecret,
    metadata: {
      client_name: input.name,
      client_secret: clientSecret,
      redirect_uris: input.redirectUris,
      post_logout_redirect_uris: [...new Set(input.redirectUris.map((u) => new URL('/', u).href))],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  };
}
