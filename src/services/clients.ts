/**
 * Relying-party clients as Tobira registers them: code flow with PKCE, secret in Basic auth. The
 * client secret is shown once and kept sealed in the store; only the adapter that hands metadata to
 * oidc-provider opens it.
 */
import { ACCOUNT_CLIENT_ID } from '../account-client.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { OidcClientRecord } from '../domain.js';
import { namespaceOwner } from '../policy/namespaces.js';
import { redirectUrisProblem } from '../policy/redirect-uri.js';
import { newToken } from '../random.js';
import type { Store } from '../store.js';
import type { AuditLog } from './audit.js';

/** Where the sealed secret sits in stored metadata (oidc-provider never sees this name). */
const SEALED_SECRET = 'tobira_client_secret_sealed';
const secretPurpose = (clientId: string) => `client-secret:${clientId}`;

/** Client IDs Tobira serves itself: registering one would shadow (or be shadowed by) the built-in client. */
export const RESERVED_CLIENT_IDS: ReadonlySet<string> = new Set([ACCOUNT_CLIENT_ID]);

export type ClientRegistrationCode =
  | 'client.invalid_redirect_uri'
  | 'client.reserved_id'
  | 'client.id_outside_namespace'
  | 'client.id_other_tenant';

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

/** Metadata as stored: `client_secret` replaced by its sealed form, bound to the client ID. */
export function sealClientSecret(
  metadata: Record<string, unknown>,
  clientId: string,
  box: SecretBox,
): Record<string, unknown> {
  const { client_secret: secret, ...rest } = metadata;
  if (typeof secret !== 'string') return metadata;
  return { ...rest, [SEALED_SECRET]: box.seal(secret, secretPurpose(clientId)) };
}

/** Metadata as oidc-provider needs it: the secret opened (records stored before sealing pass as they are). */
export function openClientSecret(
  metadata: Record<string, unknown>,
  clientId: string,
  box: SecretBox,
): Record<string, unknown> {
  const { [SEALED_SECRET]: sealed, ...rest } = metadata;
  if (typeof sealed !== 'string') return metadata;
  return { ...rest, client_secret: box.openText(sealed, secretPurpose(clientId)) };
}

export class ClientRegistry {
  constructor(private readonly deps: { store: Store; box: SecretBox; clock: Clock; audit: AuditLog }) {}

  /**
   * Register a relying party (or, with `replace`, give an existing one new metadata and a new secret).
   * Returns the secret in clear, the only time it is ever shown.
   */
  async register(input: {
    tenantId: string;
    clientId: string;
    name: string;
    redirectUris: string[];
    firstParty: boolean;
    actor: string;
    sourceIp?: string | null;
    replace?: boolean;
  }): Promise<{ client: OidcClientRecord; clientSecret: string }> {
    const { store, box, clock, audit } = this.deps;
    await this.#check(input);
    const { metadata, clientSecret } = clientMetadata({ name: input.name, redirectUris: input.redirectUris });
    const stored = sealClientSecret(metadata, input.clientId, box);
    const existing = input.replace ? await store.getClient(input.clientId) : null;
    const client = existing
      ? (await store.updateClient(input.clientId, stored, clock.now()))!
      : await store.createClient(
          {
            clientId: input.clientId,
            tenantId: input.tenantId,
            metadata: stored,
            firstParty: input.firstParty,
          },
          clock.now(),
        );
    await audit.record({
      actor: input.actor,
      action: existing ? 'client.updated' : 'client.created',
      tenantId: input.tenantId,
      sourceIp: input.sourceIp ?? null,
      details: { clientId: input.clientId },
    });
    return { client, clientSecret };
  }

  /** The rules every registration keeps, whoever asks (admin API, CLI, demo). */
  async #check(input: { tenantId: string; clientId: string; redirectUris: string[] }): Promise<void> {
    if (RESERVED_CLIENT_IDS.has(input.clientId))
      throw new ClientRegistrationError('client.reserved_id', `the client ID ${input.clientId} is reserved`);
    const uri = redirectUrisProblem(input.redirectUris);
    if (uri)
      throw new ClientRegistrationError('client.invalid_redirect_uri', uri.message, {
        field: `redirectUris.${uri.index}`,
        problem: uri.kind,
      });
    const tenantIds = (await this.deps.store.listTenants()).map((t) => t.id);
    const owner = namespaceOwner(input.clientId, tenantIds);
    if (owner !== null && owner !== input.tenantId)
      throw new ClientRegistrationError(
        'client.id_other_tenant',
        `the client ID ${input.clientId} lies in another tenant's namespace`,
      );
  }

  /**
   * Seal the secrets of clients stored before secrets were sealed (idempotent; run at start). Returns
   * how many it sealed.
   */
  async sealStoredSecrets(): Promise<number> {
    const { store, box, clock, audit } = this.deps;
    let sealed = 0;
    for (const client of await store.listClients()) {
      if (typeof client.metadata.client_secret !== 'string') continue;
      await store.updateClient(
        client.clientId,
        sealClientSecret(client.metadata, client.clientId, box),
        clock.now(),
      );
      await audit.record({
        actor: 'system',
        action: 'client.secret_sealed',
        tenantId: client.tenantId,
        details: { clientId: client.clientId },
      });
      sealed += 1;
    }
    return sealed;
  }
}
