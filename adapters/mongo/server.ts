/**
 * What the server behind the connection can do, asked once at start-up. Tobira is written for
 * MongoDB; FerretDB (a MongoDB wire-protocol server over SQLite or PostgreSQL) runs it too, without
 * transactions, TTL indexes or collMod — see docs/deploy-mongodb.md for what that changes.
 */
import type { mongo } from 'mongoose';

type Db = mongo.Db;

export interface ServerTraits {
  /** `mongodb 7.0.12` or `ferretdb v1.24.2`, for logs and tests. */
  readonly name: string;
  readonly ferretdb: boolean;
  /** Multi-document transactions: a replica set or a sharded cluster (never FerretDB v1). */
  readonly transactions: boolean;
  /** TTL indexes delete expired documents by themselves (the retention job sweeps either way). */
  readonly ttlIndexes: boolean;
  /** collMod can change an index's TTL in place. */
  readonly collMod: boolean;
  /**
   * A conditional update is applied atomically (MongoDB). FerretDB v1 reads, then writes, so the
   * adapter runs its operations one at a time there (serial.ts).
   */
  readonly atomicUpdates: boolean;
}

export async function detectServer(db: Db): Promise<ServerTraits> {
  const admin = db.admin();
  const [hello, build] = (await Promise.all([
    admin.command({ hello: 1 }),
    admin.command({ buildInfo: 1 }),
  ])) as [{ setName?: string; msg?: string }, { version?: string; ferretdbVersion?: string }];
  const ferretdb = typeof build.ferretdbVersion === 'string';
  return {
    name: ferretdb ? `ferretdb ${build.ferretdbVersion}` : `mongodb ${build.version ?? '?'}`,
    ferretdb,
    transactions: !ferretdb && (Boolean(hello.setName) || hello.msg === 'isdbgrid'),
    ttlIndexes: !ferretdb,
    collMod: !ferretdb,
    atomicUpdates: !ferretdb,
  };
}
