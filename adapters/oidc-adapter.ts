/**
 * oidc-provider's Adapter over any Store: every artifact model (Session, Interaction, Grant,
 * AuthorizationCode, AccessToken, …) lives in the store's expiring artifact table/collection.
 * Clients are not artifacts; src/provider.ts serves them from the store's client records.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../src/clock.js';
import type { OidcPayload, Store } from '../src/store.js';

export class StoreOidcAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(model: string, store: Store, clock: Clock) {
    this.#model = model;
    this.#store = store;
    this.#clock = clock;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    await this.#store.oidcUpsert(this.#model, id, payload as OidcPayload, expiresIn, this.#clock.now());
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return ((await this.#store.oidcFind(this.#model, id, this.#clock.now())) ?? undefined) as
      AdapterPayload | undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return ((await this.#store.oidcFindByUserCode(this.#model, userCode, this.#clock.now())) ?? undefined) as
      AdapterPayload | undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return ((await this.#store.oidcFindByUid(this.#model, uid, this.#clock.now())) ?? undefined) as
      AdapterPayload | undefined;
  }

  async consume(id: string): Promise<void> {
    await this.#store.oidcConsume(this.#model, id, this.#clock.now());
  }

  async destroy(id: string): Promise<void> {
    await this.#store.oidcDestroy(this.#model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.oidcRevokeByGrantId(grantId);
  }
}

/** oidc-provider calls `adapter(name)` per model; it accepts a factory as well as a class. */
export function createOidcAdapterFactory(store: Store, clock: Clock): (model: string) => Adapter {
  return (model: string) => new StoreOidcAdapter(model, store, clock);
}
