/**
 * Durability per write on SQLite (adapters/sqlite/durability.ts, wal-sync.ts): which writes skip the
 * wait for the disk, and that a durable write is answered only once the WAL's sync made after its
 * commit has finished — shared by concurrent writes, skipped when nothing changed, and failing for good
 * once a sync failed. The syncs are the real fdatasync, observed in place (fs.fdatasync).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { COUNTED_FAILURES, RELAXED_WRITES, relaxedUpsert } from '../../adapters/sqlite/durability.js';
import { SqliteStore } from '../../adapters/sqlite/index.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';

const T0 = new Date('2026-01-01T00:00:00Z');

describe('SQLite durability per write', function () {
  let dir: string;
  let store: SqliteStore;
  /** What happened, in order: 'sync' as fdatasync starts, 'synced' as its callback runs. */
  let events: string[];
  let fail: NodeJS.ErrnoException | null;
  const fdatasync = fs.fdatasync;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-durability-'));
    store = new SqliteStore(path.join(dir, 'd.db'));
    await store.init();
    events = [];
    fail = null;
    fs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      events.push('sync');
      // A failure cannot be made on a healthy disk: it is handed to the callback in place of the result.
      fdatasync(fd, (error) => {
        events.push('synced');
        callback(fail ?? error);
      });
    }) as typeof fs.fdatasync;
  });
  afterEach(async function () {
    fs.fdatasync = fdatasync;
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const tenant = (id: string) =>
    store.createTenant({ id, name: id, supportContact: 'desk', policy: defaultTenantPolicy() }, T0);
  const answered = (what: string) => (value: unknown) => {
    events.push(what);
    return value;
  };

  it('answers a durable write only after the WAL’s sync made after its commit has finished', async function () {
    await tenant('p-a').then(answered('created'));
    expect(events).to.deep.equal(['sync', 'synced', 'created']);
  });

  it('does not wait for the disk for a relaxed write, a read, or a write that changed nothing', async function () {
    await store.hitRateLimit('k', new Date(T0.getTime() + 60_000), T0);
    await store.getTenant('p-none');
    expect(await store.consumeTicket('no-such-ticket', T0), 'nothing consumed').to.equal(false);
    expect(events).to.deep.equal([]);
  });

  it('shares one sync among the writes committed while another sync was under way (group commit)', async function () {
    await Promise.all(['p-1', 'p-2', 'p-3', 'p-4'].map((id) => tenant(id).then(answered(id))));
    // The first waits for its own sync; the three committed while it ran share the next one.
    expect(
      events.filter((e) => e === 'sync'),
      JSON.stringify(events),
    ).to.have.length(2);
    const second = events.lastIndexOf('synced');
    expect(events.indexOf('p-1'), JSON.stringify(events)).to.be.greaterThan(events.indexOf('synced'));
    for (const id of ['p-2', 'p-3', 'p-4'])
      expect(events.indexOf(id), `${id}: ${JSON.stringify(events)}`).to.be.greaterThan(second);
  });

  it('closes after the sync under way, however many close at once', async function () {
    const written = tenant('p-close').then(answered('created'));
    await Promise.all([store.close().then(answered('closed')), store.close().then(answered('closed'))]);
    await written;
    expect(events.filter((e) => e !== 'created')).to.deep.equal(['sync', 'synced', 'closed', 'closed']);
  });

  it('fails a write whose sync failed, and every durable write after it, as the store being unavailable', async function () {
    fail = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const refused = await tenant('p-eio').then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.have.property('code', 'store_unavailable');
    expect(String((refused as Error).message)).to.include('EIO');
    fail = null;
    const after = await tenant('p-after').then(
      () => null,
      (error: unknown) => error,
    );
    expect(after, 'a later write: the failure sticks').to.have.property('code', 'store_unavailable');
    expect(
      events.filter((e) => e === 'sync'),
      'no second sync is tried',
    ).to.have.length(1);
  });

  it('relaxes only writes whose loss fails safe, never a consumption, count, lock, revocation or deletion', function () {
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
  });

  it('fsyncs the login events of counted failures only: a flood of refused or rate-limited requests waits for no disk', function () {
    expect([...COUNTED_FAILURES].sort()).to.deep.equal(['bad_password', 'otp_failed', 'user_mismatch']);
    for (const result of ['success', 'rate_limited', 'locked', 'cert_missing', 'cert_unknown'])
      expect(COUNTED_FAILURES.has(result), result).to.equal(false);
  });

  it('keeps the upserts that mark something used once durable: a client assertion’s jti, a download’s one fetch', function () {
    for (const model of ['ReplayDetection', 'TobiraFormSession'])
      expect(relaxedUpsert(model), model).to.equal(false);
    for (const model of ['Session', 'Interaction', 'AccessToken', 'TobiraLogin', 'TobiraSessionCertificate'])
      expect(relaxedUpsert(model), model).to.equal(true);
  });
});
