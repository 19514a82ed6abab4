/**
 * A registration request → oidc-provider client metadata, and the rules it must keep first. The
 * problems are typed (`ClientRegistrationError`, stable codes) so the admin API answers 400 and the CLI
 * one line; oidc-provider's own metadata validation runs after these, in the registry.
 */
import { createPublicKey } from 'node:crypto';
import {
  PKCE_REQUIRED_PROPERTY,
  usesKeySet,
  usesSecret,
  type ClientAuthMethod,
  type TlsSubjectProperty,
} from '../policy/client-auth.js';
import { redirectUrisProblem } from '../policy/redirect-uri.js';
import { newToken } from '../random.js';

export type ClientRegistrationCode =
  | 'client.invalid_redirect_uri'
  | 'client.invalid_post_logout_redirect_uri'
  | 'client.reserved_id'
  | 'client.id_outside_namespace'
  | 'client.id_other_tenant'
  | 'client.auth_method_unavailable'
  | 'client.pkce_required'
  | 'client.key_set_required'
  | 'client.key_set_unexpected'
  | 'client.invalid_jwks'
  | 'client.invalid_jwks_uri'
  | 'client.tls_subject_required'
  | 'client.tls_subject_unexpected'
  | 'client.invalid_metadata';

export class ClientRegistrationError extends Error {
  constructor(
    readonly code: ClientRegistrationCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ClientRegistrationError';
  }
}

/** How a client authenticates; everything but the method is optional and checked against it. */
export interface ClientAuthInput {
  method?: ClientAuthMethod;
  /** Public keys (private_key_jwt; x5c certificates for self_signed_tls_client_auth). */
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
  /** tls_client_auth: the one certificate subject property the client is known by. */
  tlsSubject?: { property: TlsSubjectProperty; value: string };
  /** RFC 8705 §3: access tokens bound to the client's TLS certificate. */
  certificateBoundTokens?: boolean;
}

export interface ClientMetadataInput {
  name: string;
  redirectUris: string[];
  /** Where RP-initiated logout may return; default: the origin (`/`) of each redirect URI. */
  postLogoutRedirectUris?: string[] | undefined;
  auth?: ClientAuthInput | undefined;
  /** Confidential clients only: false lets the client omit PKCE (public clients always need it). */
  pkceRequired?: boolean | undefined;
  /** For tests: a fixed secret instead of a generated one. */
  secret?: string;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

const fail = (code: ClientRegistrationCode, message: string, details: Record<string, unknown> = {}) => {
  throw new ClientRegistrationError(code, message, details);
};

function checkUris(uris: readonly string[], code: ClientRegistrationCode, field: string): void {
  const problem = redirectUrisProblem(uris);
  if (problem) fail(code, problem.message, { field: `${field}.${problem.index}`, problem: problem.kind });
}

/** Public keys only, each one a key node:crypto can import; self-signed mTLS keys carry their certificate. */
function checkJwks(jwks: { keys: Record<string, unknown>[] }, needsCertificate: boolean): void {
  for (const [index, key] of jwks.keys.entries()) {
    const field = `jwks.keys.${index}`;
    const secret = PRIVATE_JWK_MEMBERS.find((member) => member in key);
    if (secret) fail('client.invalid_jwks', `${field} is not a public key (it has "${secret}")`, { field });
    try {
      createPublicKey({ key: key as Parameters<typeof createPublicKey>[0] & object, format: 'jwk' } as never);
    } catch {
      fail('client.invalid_jwks', `${field} is not a valid public JWK`, { field });
    }
    if (needsCertificate && !(Array.isArray(key.x5c) && key.x5c.length))
      fail('client.invalid_jwks', `${field} needs its certificate in x5c (self_signed_tls_client_auth)`, {
        field,
      });
  }
}

function checkAuth(
  auth: ClientAuthInput,
  method: ClientAuthMethod,
  offered: readonly ClientAuthMethod[],
): void {
  if (!offered.includes(method))
    fail('client.auth_method_unavailable', `token endpoint auth method ${method} is not offered here`, {
      field: 'tokenEndpointAuthMethod',
    });
  const keySets = Number(auth.jwks !== undefined) + Number(auth.jwksUri !== undefined);
  if (usesKeySet(method) && keySets !== 1)
    fail('client.key_set_required', `${method} needs exactly one of jwks or jwksUri`, { field: 'jwks' });
  if (!usesKeySet(method) && keySets)
    fail('client.key_set_unexpected', `${method} takes no jwks or jwksUri`, { field: 'jwks' });
  if (auth.jwks) checkJwks(auth.jwks, method === 'self_signed_tls_client_auth');
  if (auth.jwksUri !== undefined) {
    const ok = URL.canParse(auth.jwksUri) && new URL(auth.jwksUri).protocol === 'https:';
    if (!ok || auth.jwksUri.includes('#'))
      fail('client.invalid_jwks_uri', 'jwksUri must be an https URL without a fragment', {
        field: 'jwksUri',
      });
  }
  if (method === 'tls_client_auth' && !auth.tlsSubject)
    fail('client.tls_subject_required', 'tls_client_auth needs the certificate subject (tlsClientAuth)', {
      field: 'tlsClientAuth',
    });
  if (method !== 'tls_client_auth' && auth.tlsSubject)
    fail('client.tls_subject_unexpected', `${method} takes no certificate subject`, {
      field: 'tlsClientAuth',
    });
}

/** Check a registration against Tobira's rules (throws `ClientRegistrationError`). */
export function checkClientInput(input: ClientMetadataInput, offered: readonly ClientAuthMethod[]): void {
  checkUris(input.redirectUris, 'client.invalid_redirect_uri', 'redirectUris');
  if (input.postLogoutRedirectUris)
    checkUris(
      input.postLogoutRedirectUris,
      'client.invalid_post_logout_redirect_uri',
      'postLogoutRedirectUris',
    );
  const auth = input.auth ?? {};
  const method = auth.method ?? 'client_secret_basic';
  checkAuth(auth, method, offered);
  if (method === 'none' && input.pkceRequired === false)
    fail('client.pkce_required', 'a public client (token endpoint auth method none) always uses PKCE', {
      field: 'pkceRequired',
    });
}

/** oidc-provider client metadata (with the secret in clear, if the method has one: the registry seals it). */
export function clientMetadata(input: ClientMetadataInput): {
  metadata: Record<string, unknown>;
  clientSecret: string | null;
} {
  const auth = input.auth ?? {};
  const method = auth.method ?? 'client_secret_basic';
  const clientSecret = usesSecret(method) ? (input.secret ?? newToken(32)) : null;
  const postLogout = input.postLogoutRedirectUris ?? [
    ...new Set(input.redirectUris.map((u) => new URL('/', u).href)),
  ];
  return {
    clientSecret,
    metadata: {
      client_name: input.name,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      redirect_uris: input.redirectUris,
      post_logout_redirect_uris: postLogout,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: method,
      ...(auth.jwks ? { jwks: auth.jwks } : {}),
      ...(auth.jwksUri ? { jwks_uri: auth.jwksUri } : {}),
      ...(auth.tlsSubject ? { [auth.tlsSubject.property]: auth.tlsSubject.value } : {}),
      ...(auth.certificateBoundTokens ? { tls_client_certificate_bound_access_tokens: true } : {}),
      ...(input.pkceRequired === false ? { [PKCE_REQUIRED_PROPERTY]: false } : {}),
    },
  };
}
