/**
 * What every role's contract shares: a fresh store per test (from the adapter's factory), explicit
 * instants instead of sleeps, record builders, and the conflict assertion.
 */
import { expect } from 'chai';
import type { TicketPurpose } from '../../../src/domain.js';
import { defaultTenantPolicy } from '../../../src/policy/tenant-policy.js';
import { newCertificateSerial, newId, sha256Hex } from '../../../src/random.js';
import {
  StoreConflictError,
  type NewAccount,
  type NewAuditEvent,
  type NewCertificate,
  type NewLoginEvent,
  type NewMail,
  type NewTicket,
  type AccountStore,
  type CertificateStore,
  type Store,
  type TenantStore,
  type TerminalStore,
} from '../../../src/store.js';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** The contract's epoch; every instant is `at(seconds)` after it. */
export const T0 = new Date('2026-01-01T00:00:00Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

/** Awaits `promise`, expecting a StoreConflictError naming `field`. */
export async function expectConflict(promise: Promise<unknown>, field: string): Promise<void> {
  const outcome = await promise.then(
    () => expect.fail(`expected a conflict on ${field}`),
    (error: unknown) => error,
  );
  expect(outcome).to.be.instanceOf(StoreConflictError).with.property('field', field);
}

/** `n` copies of one call started together, as concurrent requests would. */
export const concurrently = <T>(n: number, call: () => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, call));

// ---- plain inputs (no store) ------------------------------------------------------------------------

export function certificateInput(
  accountId: string,
  terminalId: string,
  notAfter: Date = at(86400 * 30),
): NewCertificate {
  const serial = newCertificateSerial();
  return {
    serial,
    accountId,
    terminalId,
    subjectCn: `cn-${serial.slice(0, 8)}`,
    fingerprintS256: sha256Hex(serial),
    notBefore: T0,
    notAfter,
    pem: `-----BEGIN CERTIFICATE-----\n${serial}\n-----END CERTIFICATE-----`,
  };
}

export function ticketInput(
  accountId: string,
  overrides: Partial<NewTicket> & { purpose?: TicketPurpose } = {},
): NewTicket {
  return {
    id: newId(),
    purpose: 'enroll',
    tokenHash: sha256Hex(newId()),
    accountId,
    terminalId: null,
    secretHash: null,
    expiresAt: at(3600),
    ...overrides,
  };
}

export function mailInput(overrides: Partial<NewMail> = {}): NewMail {
  const id = newId();
  return {
    id,
    to: `to-${id.slice(0, 8)}@example.jp`,
    subject: 'subject',
    text: 'text',
    html: '<p>html</p>',
    template: 'certificate_download',
    ...overrides,
  };
}

export function loginEventInput(overrides: Partial<NewLoginEvent> = {}): NewLoginEvent {
  return {
    accountId: null,
    tenantId: null,
    at: T0,
    sourceIp: '192.0.2.1',
    result: 'success',
    clientId: null,
    userAgent: null,
    certSerial: null,
    ...overrides,
  };
}

export function auditEventInput(overrides: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return {
    at: T0,
    actor: 'system',
    action: 'account.locked',
    tenantId: null,
    accountId: null,
    sourceIp: null,
    details: {},
    ...overrides,
  };
}

// ---- records in the store -----------------------------------------------------------------------------

/** Builders that create related records, so each test states only what it is about. */
export function fixtures(store: TenantStore & AccountStore & TerminalStore & CertificateStore) {
  let n = 0;
  const next = () => (n += 1);
  const tenant = (id = `t${next()}`) =>
    store.createTenant(
      { id, name: `Tenant ${id}`, supportContact: 'desk@example.jp', policy: defaultTenantPolicy() },
      T0,
    );
  const account = (tenantId: string, overrides: Partial<NewAccount> = {}) =>
    store.createAccount(
      {
        id: newId(),
        tenantId,
        userId: `${tenantId}-u${next()}`,
        status: 'active',
        loginMethod: 'password',
        ...overrides,
      },
      T0,
    );
  const terminal = (accountId: string, now: Date = T0) =>
    store.createTerminal({ id: newId(), accountId, email: `user${next()}@example.jp`, type: 'pc' }, now);
  return {
    tenant,
    account,
    terminal,
    /** A tenant, an active account in it, and one terminal of that account. */
    async owner() {
      const t = await tenant();
      const a = await account(t.id);
      return { tenant: t, account: a, terminal: await terminal(a.id) };
    },
    async issue(accountId: string, terminalId: string, notAfter?: Date, now: Date = T0) {
      const saved = await store.saveIssuedCertificate(
        { certificate: certificateInput(accountId, terminalId, notAfter), pendingDownload: null },
        now,
      );
      return saved.certificate;
    },
  };
}

export type Fixtures = ReturnType<typeof fixtures>;

/** A contract is given the running test's store as the role it tests; fixtures set up the rest. */
export interface ContractContext<Role = Store> {
  /** The store of the running test. */
  readonly store: Role;
  readonly f: Fixtures;
}

/** Registers the per-test store lifecycle in the enclosing `describe`. */
export function freshStorePerTest(factory: StoreFactory): ContractContext {
  let current: { store: Store; cleanup: () => Promise<void>; f: Fixtures } | undefined;
  beforeEach(async function () {
    const { store, cleanup } = await factory();
    current = { store, cleanup, f: fixtures(store) };
  });
  afterEach(async function () {
    await current?.cleanup();
    current = undefined;
  });
  const running = () => current ?? expect.fail('the store is used outside a test');
  return {
    get store() {
      return running().store;
    },
    get f() {
      return running().f;
    },
  };
}
