/**
 * Indexes, versioned like the SQLite migrations. At start-up each node
 * 1. runs the index migrations newer than the version recorded in `tobira_meta` — the changes that
 *    creating indexes cannot make: dropping or replacing an index (every step is idempotent and
 *    tolerates a missing index, so nodes starting together, or a fresh database, are fine);
 * 2. creates every index the schemas declare that is missing, and changes a declared TTL that
 *    differs in place (collMod) — re-creating it would fail with IndexOptionsConflict.
 * On FerretDB (no TTL indexes, no collMod) TTL indexes are created as plain indexes: the retention
 * job's sweeps delete expired records there, and no read relies on them being gone.
 */
import type { Model, mongo } from 'mongoose';
import type { ServerTraits } from './server.js';

type IndexKeys = Record<string, 1 | -1>;
interface IndexOptions {
  name?: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
}
export interface DeclaredIndex {
  collection: string;
  keys: IndexKeys;
  options: IndexOptions;
}
export interface ExistingIndex {
  name: string;
  key: Record<string, unknown>;
  expireAfterSeconds?: number;
}
export type IndexChange =
  | { kind: 'create'; collection: string; keys: IndexKeys; options: IndexOptions & { name: string } }
  | { kind: 'ttl'; collection: string; name: string; expireAfterSeconds: number };

interface IndexMigration {
  version: number;
  /** What it changes and why, for the log and the reader. */
  what: string;
  up(db: mongo.Db): Promise<void>;
}

const META = 'tobira_meta';
const META_ID = 'indexes';
const INDEX_NOT_FOUND = 27;
const NAMESPACE_NOT_FOUND = 26;

/** MongoDB's default index name: `accountId_1_at_-1`. */
export const indexName = (keys: Record<string, unknown>): string =>
  Object.entries(keys)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');

const dropIndexes =
  (byCollection: Record<string, string[]>) =>
  async (db: mongo.Db): Promise<void> => {
    for (const [collection, names] of Object.entries(byCollection)) {
      for (const name of names) {
        await db
          .collection(collection)
          .dropIndex(name)
          .catch((error: { code?: number }) => {
            if (error.code !== INDEX_NOT_FOUND && error.code !== NAMESPACE_NOT_FOUND) throw error;
          });
      }
    }
  };

/** Append only; never edit a released step. */
export const INDEX_MIGRATIONS: readonly IndexMigration[] = [
  {
    version: 1,
    what:
      'history, audit and outbox pages: the indexes gain the tie-breaker (_id, outbox seq) they sort ' +
      'on, so a page is read in index order instead of sorted in memory; the replaced ones go',
    up: dropIndexes({
      login_events: ['accountId_1_at_-1', 'tenantId_1_at_-1', 'at_-1'],
      audit_events: ['tenantId_1_at_-1', 'accountId_1_at_-1', 'action_1_at_-1', 'at_-1'],
      outbox: ['status_1_createdAt_1', 'to_1_createdAt_-1', 'createdAt_-1'],
    }),
  },
];

/** The indexes the models' schemas declare (mongoose's `index: true` / `unique: true` included). */
export function declaredIndexes(models: readonly Model<never>[]): DeclaredIndex[] {
  return models.flatMap((model) =>
    model.schema.indexes().map(([keys, options]) => ({
      collection: model.collection.collectionName,
      keys: keys as IndexKeys,
      options: {
        ...(options.name ? { name: options.name as string } : {}),
        ...(options.unique ? { unique: true } : {}),
        ...(options.sparse ? { sparse: true } : {}),
        ...(typeof options.expireAfterSeconds === 'number'
          ? { expireAfterSeconds: options.expireAfterSeconds }
          : {}),
      },
    })),
  );
}

/** What to do so that `existing` (one collection's indexes) holds every declared index. Pure. */
export function planIndexChanges(
  declared: readonly DeclaredIndex[],
  existing: readonly ExistingIndex[],
  server: Pick<ServerTraits, 'ttlIndexes'>,
): IndexChange[] {
  return declared.flatMap((index): IndexChange[] => {
    const name = index.options.name ?? indexName(index.keys);
    const { expireAfterSeconds, ...plain } = index.options;
    const ttl = server.ttlIndexes ? expireAfterSeconds : undefined;
    const found = existing.find((e) => e.name === name);
    if (!found) {
      const options = { ...plain, name, ...(ttl === undefined ? {} : { expireAfterSeconds: ttl }) };
      return [{ kind: 'create', collection: index.collection, keys: index.keys, options }];
    }
    return ttl !== undefined && found.expireAfterSeconds !== ttl
      ? [{ kind: 'ttl', collection: index.collection, name, expireAfterSeconds: ttl }]
      : [];
  });
}

async function applyChange(db: mongo.Db, change: IndexChange): Promise<void> {
  if (change.kind === 'create') {
    await db.collection(change.collection).createIndex(change.keys, change.options);
  } else {
    await db.command({
      collMod: change.collection,
      index: { name: change.name, expireAfterSeconds: change.expireAfterSeconds },
    });
  }
}

async function runMigrations(db: mongo.Db): Promise<void> {
  const meta = db.collection<{ _id: string; version: number }>(META);
  const current = (await meta.findOne({ _id: META_ID }))?.version ?? 0;
  for (const migration of INDEX_MIGRATIONS.filter((m) => m.version > current)) {
    await migration.up(db);
    const record = () =>
      meta.updateOne({ _id: META_ID }, { $max: { version: migration.version } }, { upsert: true });
    // Two nodes recording the first version at once: one upsert inserts, the other retries as an update.
    await record().catch((error: { code?: number }) => {
      if (error.code === 11000) return record();
      throw error;
    });
  }
}

/** The recorded index version (0 before the first migration). */
export async function indexVersion(db: mongo.Db): Promise<number> {
  return (
    (await db.collection<{ _id: string; version: number }>(META).findOne({ _id: META_ID }))?.version ?? 0
  );
}

export async function migrateIndexes(
  db: mongo.Db,
  models: readonly Model<never>[],
  server: ServerTraits,
): Promise<void> {
  await runMigrations(db);
  const declared = declaredIndexes(models);
  for (const collection of new Set(declared.map((d) => d.collection))) {
    const existing = (await db.collection(collection).listIndexes().toArray()) as ExistingIndex[];
    const changes = planIndexChanges(
      declared.filter((d) => d.collection === collection),
      existing,
      server,
    );
    for (const change of changes) await applyChange(db, change);
  }
}
