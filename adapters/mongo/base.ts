/**
 * MongoDB plumbing shared by the adapter's layers: the connection and its models, the one
 * error-mapping wrapper every Store method runs through, transactions, paging, and start-up.
 * Layers: MongoBase (here) → MongoOutbox (outbox.ts: the mail outbox) → MongoRecords (records.ts:
 * short-lived and append-only records) → MongoStore (store.ts: identity records).
 */
import type { ClientSession, Connection, Model, QueryFilter } from 'mongoose';
import { StoreError, type Page } from '../../src/store.js';
import { mapMongoError } from './errors.js';
import { defineModels, type Models } from './models/index.js';

/** Return the document after the update (mongoose 9's spelling of the deprecated `new: true`). */
export const AFTER = { returnDocument: 'after' } as const;
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
  /** Whether the server runs multi-document transactions (a replica set or sharded cluster). */
  protected transactions = false;

  constructor(protected readonly connection: Connection) {
    this.m = defineModels(connection);
  }

  /**
   * Every Store method runs through here: driver errors become StoreConflictError (naming the field
   * of `collection` the unique index guards) or StoreUnavailableError; other errors pass unchanged.
   */
  protected async run<T>(collection: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw mapMongoError(error, collection);
    }
  }

  /** Run `work` in one transaction when the server supports it, else as written (see each caller). */
  protected unit<T>(work: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    return this.transactions ? this.connection.transaction((session) => work(session)) : work(undefined);
  }

  /** Fail like SQLite's foreign keys do when a referenced record is missing. */
  protected async mustExist<D>(model: Model<D>, id: string, what: string): Promise<void> {
    if (!(await model.exists({ _id: id } as QueryFilter<D>)))
      throw new StoreError('store_reference_missing', `no ${what} ${id}`);
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

  /** Collections and indexes (idempotent), then whether transactions are available. */
  async init(): Promise<void> {
    await this.run('init', async () => {
      for (const model of Object.values(this.m)) {
        // Explicitly, once: transactions cannot create collections on every server version.
        await model.createCollection();
        await model.createIndexes();
      }
      const hello = (await this.connection.db!.admin().command({ hello: 1 })) as {
        setName?: string;
        msg?: string;
      };
      this.transactions = Boolean(hello.setName) || hello.msg === 'isdbgrid';
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
