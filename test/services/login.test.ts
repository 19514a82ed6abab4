/**
 * LoginService on a real SQLite store: the lock a login records when no attempt is left is audited like
 * every other lock, and a pending account is never locked by a login.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/clock.js';
import { PasswordHasher } from '../../src/crypto/password-hasher.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { createLogger } from '../../src/log.js';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';
import { newId } from '../../src/random.js';
import { AuditLog } from '../../src/services/audit.js';
import { LoginService } from '../../src/services/login.js';
import type { Store } from '../../src/store.js';

describe('login service: locks', function () {
  let store: Store;
  let login: LoginService;
  const clock = new ManualClock(new Date('2026-12-01T00:00:00Z'));
  const attempt = { sourceIp: '192.0.2.1', userAgent: null, clientId: null, certSerial: null };
  const policy = parseTenantPolicy({ lockout: { maxPasswordFailures: 3 } });

  before(async function () {
    store = await openSqliteStore({ path: ':memory:' });
    await store.init();
    await store.createTenant({ id: 'p-70', name: 'T', supportContact: 'desk', policy }, clock.now());
    const hasher = new PasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 });
    const audit = new AuditLog({ store, clock, log: createLogger('silent') });
    login = new LoginService({ store, hasher, box: new SecretBox(randomBytes(32)), clock, audit });
  });
  after(async function () {
    await store?.close();
  });

  const account = (status: 'active' | 'pending') =>
    store.createAccount(
      {
        id: newId(),
        tenantId: 'p-70',
        userId: `p-70-${newId().slice(0, 8)}`,
        status,
        loginMethod: 'password',
      },
      clock.now(),
    );
  const lockEvents = async (accountId: string) =>
    (await store.listAuditEvents({ accountId, action: 'account.locked' })).items;

  it('audits the lock it records when the counter is already at the threshold', async function () {
    const a = await account('active');
    for (let i = 0; i < 3; i += 1) await store.reserveAttempt(a.id, 'password', 3, clock.now());
    const tenant = (await store.getTenant('p-70'))!;
    const outcome = await login.verifyPassword(a, tenant, a.userId, 'whatever-1', attempt);
    expect(outcome.kind).to.equal('locked');
    expect((await store.getAccount(a.id))!.status).to.equal('locked');
    expect(await lockEvents(a.id)).to.have.length(1);
  });

  it('never locks a pending account', async function () {
    const a = await account('pending');
    const tenant = (await store.getTenant('p-70'))!;
    await login.verifyPassword(a, tenant, a.userId, 'whatever-1', attempt);
    expect((await store.getAccount(a.id))!.status).to.equal('pending');
    expect(await lockEvents(a.id)).to.have.length(0);
  });
});
