/**
 * oidc-provider's Adapter over the store's OidcArtifactStore and ClientStore roles. Every artifact model (Session, Interaction, Grant,
 * AuthorizationCode, AccessToken, RefreshToken, …) lives in the store's expiring artifact records, indexed
 * by uid, user code and grant id; expiry is judged by the injected Clock. Clients are not artifacts: the
 * `Client` model reads the operator-managed client records and refuses writes.
 *
 * oidc-provider v9 takes `adapter` as a constructor or a plain (non-async) factory `(model) => Adapter`;
 * `createOidcAdapterFactory` returns the latter, one adapter instance per model.
 */
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../src/clock.js';
import type { OidcClientRecord } from '../src/domain.js';
import type { ClientStore, OidcArtifactStore, OidcPayload } from '../src/store.js';

/** The model oidc-provider asks client metadata from. */
export const CLIENT_MODEL = 'Client';

/** An adapter operation oidc-provider may attempt but Tobira does not allow (e.g. registering a client). */
export class UnsupportedAdapterOperationError extends Error {
  readonly code = 'unsupported_adapter_operation';
  constructor(model: string, operation: string) {
    super(`${operation} on ${model} is not supported: clients are managed through the Tobira admin API`);
    this.name = new.target.name;
  }
}

const toAdapterPayload = (payload: OidcPayload | null): AdapterPayload | undefined =>
  (payload ?? undefined) as AdapterPayload | undefined;

/** One artifact model (any model but Client) on the store's `oidc*` methods. */
export class StoreOidcAdapter implements Adapter {
  readonly #model: string;
  readonly #store: OidcArtifactStore;
  readonly #clock: Clock;

  constructor(model: string, store: OidcArtifactStore, clock: Clock) {
    this.#model = model;
    this.#store = store;
    this.#clock = clock;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#store.oidcUpsert(this.#model, id, payload as OidcPayload, expiresIn, this.#clock.now());
  }

  /** On every token request (the token, its grant): one promise step, no async frame of its own. */
  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.oidcFind(this.#model, id, this.#clock.now()).then(toAdapterPayload);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return toAdapterPayload(await this.#store.oidcFindByUserCode(this.#model, userCode, this.#clock.now()));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return toAdapterPayload(await this.#store.oidcFindByUid(this.#model, uid, this.#clock.now()));
  }

  /**
   * oidc-provider checks `consumed` on the record it read, then consumes it; two redemptions of one
   * code (or rotating refresh token) in flight at once — two workers, or two awaits apart — both pass
   * that check. The store's write is conditional: the one that lost answers invalid_grant and, as for
   * a replay oidc-provider sees itself, the grant's tokens are revoked (RFC 6749 §4.1.2).
   */
  async consume(id: string): Promise<void> {
    const now = this.#clock.now();
    if (await this.#store.oidcConsume(this.#model, id, now)) return;
    const grantId = (await this.#store.oidcFind(this.#model, id, now))?.grantId;
    if (typeof grantId === 'string') await this.#store.oidcRevokeByGrantId(grantId);
    throw new errors.InvalidGrant(`${this.#model} already consumed`);
  }

  async destroy(id: string): Promise<void> {
    await this.#store.oidcDestroy(this.#model, id);
  }

  /** Removes every artifact of the grant, whatever its model (oidc-provider calls this per model). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.oidcRevokeByGrantId(grantId);
  }
}

export interface ClientAdapterOptions {
  /** Metadata for oidc-provider from a client record (e.g. with its secret opened); default: as stored. */
  toPayload?: (client: OidcClientRecord) => AdapterPayload;
  /** Clients that are not in the store (Tobira's own), by ID. */
  builtIn?: (clientId: string) => AdapterPayload | undefined;
}

/** The Client model: read-only client metadata from the store's client records. */
export class StoreClientAdapter implements Adapter {
  readonly #store: ClientStore;
  readonly #options: ClientAdapterOptions;

  constructor(store: ClientStore, options: ClientAdapterOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const builtIn = this.#options.builtIn?.(id);
    if (builtIn) return builtIn;
    const client = await this.#store.getClient(id);
    if (!client) return undefined;
    const payload =
      this.#options.toPayload?.(client) ??
      ({ ...client.metadata, client_id: client.clientId } as AdapterPayload);
    // A record kept across requests is frozen (store/request-cache.ts): oidc-provider gets its own copy.
    return Object.isFrozen(client) ? structuredClone(payload) : payload;
  }

  // Clients have no uid or user code: nothing to find.
  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async upsert(): Promise<never> {
    throw new UnsupportedAdapterOperationError(CLIENT_MODEL, 'upsert');
  }

  async destroy(): Promise<never> {
    throw new UnsupportedAdapterOperationError(CLIENT_MODEL, 'destroy');
  }

  async consume(): Promise<never> {
    throw new UnsupportedAdapterOperationError(CLIENT_MODEL, 'consume');
  }

  async revokeByGrantId(): Promise<never> {
    throw new UnsupportedAdapterOperationError(CLIENT_MODEL, 'revokeByGrantId');
  }
}

/** The `adapter` setting for oidc-provider's configuration: `(model) => Adapter` over `store`. */
export function createOidcAdapterFactory(
  store: OidcArtifactStore & ClientStore,
  clock: Clock,
  clients: ClientAdapterOptions = {},
): (model: string) => Adapter {
  return (model: string) =>
    model === CLIENT_MODEL
      ? new StoreClientAdapter(store, clients)
      : new StoreOidcAdapter(model, store, clock);
}
