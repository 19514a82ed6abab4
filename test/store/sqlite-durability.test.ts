/**
 * Durability per write on SQLite (adapters/sqlite/durability.ts): which writes commit without the fsync,
 * and that the connection is back at FULL after each of them, whatever happens inside.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../adapters/sqlite/connection.js';
import {
  COUNTED_FAILURES,
  Durability,
  RELAXED_WRITES,
  relaxedUpsert,
} from '../../adapters/sqlite/durability.js';
import { SqliteStore } from '../../adapters/sqlite/index.js';

const NORMAL = 1;
const FULL = 2;

describe('SQLite durability per write', function () {
  let dir: string;
  let db: Database.Database;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-durability-'));
    db = openDatabase(path.join(dir, 'd.db'));
  });
  afterEach(async function () {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const level = () => db.pragma('synchronous', { simple: true });

  it('commits a relaxed write with synchronous NORMAL and goes back to FULL, also after a failure', function () {
    const durability = new Durability(db);
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    expect(level()).to.equal(FULL);
    const seen = durability.relaxed(() => {
      db.prepare('INSERT INTO t VALUES (?)').run('a');
      return level();
    });
    expect(seen).to.equal(NORMAL);
    expect(level()).to.equal(FULL);
    expect(() => durability.relaxed(() => db.prepare('INSERT INTO t VALUES (?)').run('a'))).to.throw(
      /UNIQUE/,
    );
    expect(level(), 'after a failed write').to.equal(FULL);
  });

  it('relaxes only writes whose loss fails safe, never a consumption, count, lock, revocation or deletion', function () {
    const store = new SqliteStore(':memory:');
    for (const method of RELAXED_WRITES)
      expect(store, `${method} is a store method`).to.have.property(method).that.is.a('function');
    for (const critical of [
      'reserveAttempt',
      'lockAccount',
      'advanceTotpStep',
      'updateAccount',
      'consumeTicket',
      'reserveTicketAttempt',
      'commitWork',
      'oidcConsume',
      'oidcDestroy',
      'oidcRevokeByGrantId',
      'deleteState',
      'revokeCertificate',
      'saveIssuedCertificate',
      'addAuditEvent',
      'enqueueMail',
    ])
      expect(RELAXED_WRITES.has(critical), critical).to.equal(false);
    void store.close();
  });

  it('fsyncs the login events of counted failures only: a flood of refused or rate-limited requests waits for no disk', function () {
    expect([...COUNTED_FAILURES].sort()).to.deep.equal(['bad_password', 'otp_failed', 'user_mismatch']);
    for (const result of ['success', 'rate_limited', 'locked', 'cert_missing', 'cert_unknown'])
      expect(COUNTED_FAILURES.has(result), result).to.equal(false);
  });

  it('keeps the upserts that mark something used once at FULL: a client assertion’s jti, a download’s one fetch', function () {
    for (const model of ['ReplayDetection', 'TobiraFormSession'])
      expect(relaxedUpsert(model), model).to.equal(false);
    for (const model of ['Session', 'Interaction', 'AccessToken', 'TobiraLogin', 'TobiraSessionCertificate'])
      expect(relaxedUpsert(model), model).to.equal(true);
  });
});
