/**
 * How relying parties authenticate to Tobira and what that implies: the methods a client can be
 * registered with (and so the only ones discovery advertises), which of them carry a secret, and
 * when PKCE is required. Pure: the provider configuration and the client registry both ask here.
 */

/** Every method Tobira knows; `tls_client_auth` only where an operator configured CAs to trust. */
export const CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const;

export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Methods whose client gets a generated secret (shown once, sealed at rest). */
export const usesSecret = (method: ClientAuthMethod): boolean =>
  method === 'client_secret_basic' || method === 'client_secret_post';

/** Methods that authenticate with a key set: private_key_jwt signs, self-signed mTLS pins x5c certificates. */
export const usesKeySet = (method: ClientAuthMethod): boolean =>
  method === 'private_key_jwt' || method === 'self_signed_tls_client_auth';

/** The RFC 8705 §2.1.2 subject properties; a tls_client_auth client registers exactly one. */
export const TLS_SUBJECT_PROPERTIES = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;

export type TlsSubjectProperty = (typeof TLS_SUBJECT_PROPERTIES)[number];

/** Client metadata name of the per-client PKCE switch (absent means required). */
export const PKCE_REQUIRED_PROPERTY = 'tobira_pkce_required';

/**
 * PKCE is required of every public client (RFC 9700 §2.1.1) and of every confidential client unless
 * an operator registered it with `tobira_pkce_required: false` (an RP or test suite that cannot send
 * a code_challenge; its confidential authentication still protects the code exchange).
 */
export function pkceRequired(authMethod: string | undefined, registered: unknown): boolean {
  return authMethod === 'none' || registered !== false;
}

/**
 * The methods this deployment offers: each can be registered (admin API, CLI) and works at the token,
 * introspection and revocation endpoints — so exactly these are advertised.
 */
export const offeredAuthMethods = (options: { tlsClientAuth: boolean }): ClientAuthMethod[] =>
  CLIENT_AUTH_METHODS.filter((m) => m !== 'tls_client_auth' || options.tlsClientAuth);

/**
 * Discovery members for the introspection and revocation endpoints (RFC 8414 §2): they take the same
 * client authentication as the token endpoint, so they advertise the same list.
 */
export const endpointAuthDiscovery = (methods: readonly ClientAuthMethod[]) => ({
  introspection_endpoint_auth_methods_supported: [...methods],
  revocation_endpoint_auth_methods_supported: [...methods],
});
