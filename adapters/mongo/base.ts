/**
 * MongoDB plumbing shared by the adapter's layers: the connection and its models, the one
 * error-mapping wrapper every Store method runs through, transactions, paging, and start-up.
 * Layers: MongoBase (here) → MongoOutbox (outbox.ts: the mail outbox) → MongoRecords (records.ts:
 * short-lived and append-only records) → MongoStore (store.ts: identity records).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientSession, Connection, Model, QueryFilter } from 'mongoose';
import { StoreError, type Page } from '../../src/store.js';
import { isDuplicateKeyError, mapMongoError } from './errors.js';
import { migrateIndexes } from './indexes.js';
import { defineModels, type Models } from './models/index.js';
import { SerialQueue } from './serial.js';
import { detectServer, type ServerTraits } from './server.js';

/** Return the document after the update (mongoose 9's spelling of the deprecated `new: true`). */
export const AFTER = { returnDocument: 'after' } as const;
/**
 * For writes that must survive a fail-over — a consumed ticket or code, a counted failure, an accepted
 * TOTP step, a lock, a revocation: acknowledged only once a majority of the replica set has them, so
 * an election cannot roll them back (whatever `w` the URI sets). Bounded like every operation: a
 * WriteConcernFailed is a StoreUnavailableError, and the write may or may not have happened — each of
 * these fails closed when repeated.
 */
export const MAJORITY = { writeConcern: { w: 'majority', wtimeoutMS: 10_000 } } as const;
/** A patch naming a field the schema does not have fails (StrictModeError) instead of being dropped. */
export const PATCH = { ...AFTER, runValidators: true, strict: 'throw' } as const;
const DEFAULT_PAGE_SIZE = 50;

/** Drop undefined values, so optional query and patch fields mean "any" / "unchanged". */
export const defined = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;

/** `doc → record`, or null for no document. */
export const maybe =
  <D, R>(map: (doc: D) => R) =>
  (doc: D | null): R | null =>
    doc ? map(doc) : null;

export abstract class MongoBase {
  readonly kind = 'mongodb';
  protected readonly m: Models;
  /** What the server can do (transactions, TTL indexes, …); known after `init()`. */
  protected server: ServerTraits | null = null;
  /** Several processes are correct only where conditional updates are atomic (not FerretDB). */
  multiProcess = true;
  /** Used only where conditional updates are not atomic (FerretDB): see serial.ts. */
  readonly #serial = new SerialQueue();
  /** The session of the unit (transaction) being run, so Store methods called inside it join it. */
  readonly #unitSession = new AsyncLocalStorage<ClientSession>();

  constructor(protected readonly connection: Connection) {
    this.m = defineModels(connection);
  }

  /**
   * Every Store method runs through here: driver errors become StoreConflictError (naming the field
   * of `collection` the unique index guards) or StoreUnavailableError; other errors pass unchanged.
   */
  protected async run<T>(collection: string, operation: () => Promise<T>): Promise<T> {
    try {
      return this.server?.atomicUpdates === false ? await this.#serial.run(operation) : await operation();
    } catch (error) {
      throw mapMongoError(error, collection);
    }
  }

  /**
   * Run `work` in one transaction when the server supports it, else as written (see each caller).
   * Re-entrant: inside a unit (commitWork issuing certificates) `work` joins the enclosing transaction,
   * and `insert` / `mustExist` default to its session, so a nested Store method writes inside it.
   */
  protected unit<T>(work: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    const enclosing = this.#unitSession.getStore();
    if (enclosing) return work(enclosing);
    return this.server?.transactions
      ? this.connection.transaction((session) => this.#unitSession.run(session, () => work(session)), {
          writeConcern: MAJORITY.writeConcern,
        })
      : work(undefined);
  }

  /** The session of the unit being run, if any: a write made now belongs in it. */
  protected get unitSession(): ClientSession | undefined {
    return this.#unitSession.getStore();
  }

  /** The server's traits (after `init()`), for logs and tests. */
  get serverTraits(): ServerTraits | null {
    return this.server;
  }

  /** Fail like SQLite's foreign keys do when a referenced record is missing. */
  protected async mustExist<D>(
    model: Model<D>,
    id: string,
    what: string,
    session = this.#unitSession.getStore(),
  ): Promise<void> {
    if (!(await model.exists({ _id: id } as QueryFilter<D>).session(session ?? null)))
      throw new StoreError('store_reference_missing', `no ${what} ${id}`);
  }

  /**
   * Insert one document. A duplicate key the server does not name (FerretDB's E11000 has no
   * keyPattern) is named by looking for the clashing value, _id first, so StoreConflictError.field
   * is the same on every server.
   */
  protected async insert<D>(
    model: Model<D>,
    doc: Record<string, unknown>,
    session = this.#unitSession.getStore(),
  ): Promise<D> {
    try {
      // mongoose's overloads cannot type a document built at run time; the schema validates it.
      const created = (await model.create([doc as never], { session: session ?? null })) as unknown as {
        toObject(): D;
      }[];
      return created[0]!.toObject();
    } catch (error) {
      if (!isDuplicateKeyError(error) || (error as { keyPattern?: unknown }).keyPattern) throw error;
      throw Object.assign(error as object, { keyPattern: await this.#clash(model, doc, session) });
    }
  }

  async #clash<D>(model: Model<D>, doc: Record<string, unknown>, session?: ClientSession) {
    const unique = model.schema.indexes().filter(([, options]) => options.unique);
    for (const keys of [{ _id: 1 }, ...unique.map(([keys]) => keys)]) {
      const filter = Object.fromEntries(Object.keys(keys).map((field) => [field, doc[field]]));
      if (await model.exists(filter as QueryFilter<D>).session(session ?? null)) return keys;
    }
    return { _id: 1 };
  }

  /**
   * Options of a write that must survive a fail-over: in a transaction its commit carries the
   * majority write concern (an operation in one may not set its own), else the write itself does.
   */
  protected lasting(session: ClientSession | undefined) {
    return session ? { session } : MAJORITY;
  }

  protected async page<D, R>(
    model: Model<D>,
    filter: QueryFilter<D>,
    sort: Record<string, 1 | -1>,
    map: (doc: D) => R,
    offset = 0,
    limit = DEFAULT_PAGE_SIZE,
  ): Promise<Page<R>> {
    const [total, docs] = await Promise.all([
      model.countDocuments(filter),
      model.find(filter).sort(sort).skip(offset).limit(limit).lean<D[]>(),
    ]);
    return { items: docs.map(map), total };
  }

  /** What the server can do, then collections and index migrations (idempotent). */
  async init(): Promise<void> {
    await this.run('init', async () => {
      const db = this.connection.db!;
      this.server = await detectServer(db);
      this.multiProcess = this.server.atomicUpdates;
      const models = Object.values(this.m) as unknown as Model<never>[];
      // Explicitly, once: transactions cannot create collections on every server version.
      for (const model of models) await model.createCollection();
      await migrateIndexes(db, models, this.server);
    });
  }

  async ping(): Promise<void> {
    await this.run('admin', async () => {
      await this.connection.db!.admin().ping();
    });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
