/**
 * Relying-party clients as Tobira registers them: code flow (PKCE unless an operator turned it off for
 * a confidential client), authenticated by a secret, a key set or a TLS certificate
 * (`client-metadata.ts`). A client secret is shown once and kept sealed in the store; only the adapter
 * that hands metadata to oidc-provider opens it.
 */
import { ACCOUNT_CLIENT_ID } from '../account-client.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { OidcClientRecord } from '../domain.js';
import type { ClientAuthMethod } from '../policy/client-auth.js';
import { namespaceOwner } from '../policy/namespaces.js';
import type { ClientStore, TenantStore } from '../store.js';
import type { AuditLog } from './audit.js';
import {
  ClientRegistrationError,
  checkClientInput,
  clientMetadata,
  type ClientAuthInput,
  type ClientMetadataInput,
} from './client-metadata.js';

export { ClientRegistrationError, clientMetadata, type ClientRegistrationCode } from './client-metadata.js';

/** Where the sealed secret sits in stored metadata (oidc-provider never sees this name). */
const SEALED_SECRET = 'tobira_client_secret_sealed';
const secretPurpose = (clientId: string) => `client-secret:${clientId}`;

/** Client IDs Tobira serves itself: registering one would shadow (or be shadowed by) the built-in client. */
export const RESERVED_CLIENT_IDS: ReadonlySet<string> = new Set([ACCOUNT_CLIENT_ID]);

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
  box: Pick<SecretBox, 'openText'>,
): Record<string, unknown> {
  const { [SEALED_SECRET]: sealed, ...rest } = metadata;
  if (typeof sealed !== 'string') return metadata;
  return { ...rest, client_secret: box.openText(sealed, secretPurpose(clientId)) };
}

export interface ClientRegistration extends Omit<ClientMetadataInput, 'secret'> {
  tenantId: string;
  clientId: string;
  firstParty: boolean;
  actor: string;
  sourceIp?: string | null;
  replace?: boolean;
}

export interface ClientRegistryDeps {
  store: ClientStore & TenantStore;
  box: SecretBox;
  clock: Clock;
  audit: AuditLog;
  /** The client authentication methods this deployment offers (`offeredAuthMethods`). */
  authMethods: readonly ClientAuthMethod[];
  /** oidc-provider's own validation of the metadata it will load (e.g. `provider.Client.validate`). */
  validateMetadata?: (metadata: Record<string, unknown>) => Promise<void>;
}

type Registered<Secret> = { client: OidcClientRecord; clientSecret: Secret };
/** A registration whose method has a secret (the default), so a secret is returned. */
type SecretAuth = ClientAuthInput & { method?: 'client_secret_basic' | 'client_secret_post' };

export class ClientRegistry {
  constructor(private readonly deps: ClientRegistryDeps) {}

  /**
   * Register a relying party (or, with `replace`, give an existing one new metadata and a new secret).
   * Returns the secret in clear (null for methods without one), the only time it is ever shown.
   */
  async register(input: ClientRegistration & { auth?: SecretAuth }): Promise<Registered<string>>;
  async register(input: ClientRegistration): Promise<Registered<string | null>>;
  async register(input: ClientRegistration): Promise<Registered<string | null>> {
    const { store, box, clock, audit } = this.deps;
    await this.#check(input);
    const { metadata, clientSecret } = clientMetadata(input);
    await this.#validate(metadata, input.clientId);
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
  async #check(input: ClientRegistration): Promise<void> {
    if (RESERVED_CLIENT_IDS.has(input.clientId))
      throw new ClientRegistrationError('client.reserved_id', `the client ID ${input.clientId} is reserved`);
    checkClientInput(input, this.deps.authMethods);
    const tenantIds = (await this.deps.store.listTenants()).map((t) => t.id);
    const owner = namespaceOwner(input.clientId, tenantIds);
    if (owner !== null && owner !== input.tenantId)
      throw new ClientRegistrationError(
        'client.id_other_tenant',
        `the client ID ${input.clientId} lies in another tenant's namespace`,
      );
  }

  /** What oidc-provider would refuse when loading the client is refused now, not at the first login. */
  async #validate(metadata: Record<string, unknown>, clientId: string): Promise<void> {
    if (!this.deps.validateMetadata) return;
    try {
      await this.deps.validateMetadata({ ...metadata, client_id: clientId });
    } catch (error) {
      const description = (error as { error_description?: string }).error_description;
      throw new ClientRegistrationError('client.invalid_metadata', description ?? (error as Error).message);
    }
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
