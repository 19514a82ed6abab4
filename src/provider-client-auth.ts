/**
 * The part of oidc-provider's configuration about relying parties' authentication: the offered
 * methods (and so discovery), per-client PKCE, RFC 8705 mutual TLS with certificate-bound tokens.
 */
import type { X509Certificate } from 'node:crypto';
import type { Configuration } from 'oidc-provider';
import type { ProxyTrust } from './http/client-context.js';
import { mtlsFeature } from './http/mtls.js';
import {
  PKCE_REQUIRED_PROPERTY,
  endpointAuthDiscovery,
  offeredAuthMethods,
  pkceRequired,
} from './policy/client-auth.js';

/** Client metadata Tobira adds to oidc-provider's (read back in `loadExistingGrant` and `pkce.required`). */
export const TOBIRA_CLIENT_PROPERTIES = ['tobira_tenant', 'tobira_first_party', PKCE_REQUIRED_PROPERTY];

export interface ClientAuthDeps {
  trust: ProxyTrust;
  /** CAs trusted for tls_client_auth (empty: not offered). */
  rpCas: readonly X509Certificate[];
  now: () => Date;
}

export function clientAuthConfiguration(deps: ClientAuthDeps) {
  const methods = offeredAuthMethods({ tlsClientAuth: deps.rpCas.length > 0 });
  return {
    clientAuthMethods: methods,
    pkce: {
      required: (_ctx, client) =>
        pkceRequired(
          client.clientAuthMethod,
          (client as unknown as Record<string, unknown>)[PKCE_REQUIRED_PROPERTY],
        ),
    },
    mTLS: mtlsFeature(deps),
    // Same host, same endpoints: RFC 8705 §5 lets a server that requests certificates on its main
    // listener (server.ts) serve mTLS there, so no `mtls_endpoint_aliases` are advertised.
    discovery: endpointAuthDiscovery(methods),
  } satisfies Pick<Configuration, 'clientAuthMethods' | 'pkce' | 'discovery'> & {
    mTLS: NonNullable<Configuration['features']>['mTLS'];
  };
}
