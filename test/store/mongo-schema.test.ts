/**
 * The MongoDB adapter's schemas without a server: index definitions, validation and the mapping of
 * stored documents to plain domain records. Models are compiled on a connection that never opens
 * (not mongoose's global one), which is all validation and `toObject()` need.
 */
import { expect } from 'chai';
import mongoose, { type Schema } from 'mongoose';
import { defineModels } from '../../adapters/mongo/index.js';
import { accountSchema, toAccount } from '../../adapters/mongo/models/accounts.js';
import { apiKeySchema, toApiKey } from '../../adapters/mongo/models/api-keys.js';
import { auditEventSchema, toAuditEvent } from '../../adapters/mongo/models/audit-events.js';
import { certificateSchema, toCertificate } from '../../adapters/mongo/models/certificates.js';
import { toClient } from '../../adapters/mongo/models/clients.js';
import { loginEventSchema, toLoginEvent } from '../../adapters/mongo/models/login-events.js';
import { oidcSchema, toOidcPayload } from '../../adapters/mongo/models/oidc.js';
import { outboxSchema, toMail } from '../../adapters/mongo/models/outbox.js';
import { rateLimitSchema } from '../../adapters/mongo/models/rate-limits.js';
import { toTenant } from '../../adapters/mongo/models/tenants.js';
import { terminalSchema, toTerminal } from '../../adapters/mongo/models/terminals.js';
import { ticketSchema, toTicket } from '../../adapters/mongo/models/tickets.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const DAY = 86_400;

/** The schema's declared indexes, as `{ keys, options }`. */
const indexes = (schema: Schema) =>
  schema.indexes().map(([keys, options]) => ({ keys: keys as Record<string, number>, options }));
const indexOn = (schema: Schema, keys: Record<string, number>) =>
  indexes(schema).find((i) => JSON.stringify(i.keys) === JSON.stringify(keys));

const models = defineModels(mongoose.createConnection());
// mongoose's Model type has many generic parameters; these helpers only construct and read documents.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel<T> = mongoose.Model<T, any, any, any, any, any, any>;

/** Validation errors of a new document, by path → kind (`required`, `enum`, …). */
function invalidPaths<T>(model: AnyModel<T>, fields: Record<string, unknown>): Record<string, string> {
  const error = new model(fields).validateSync();
  return Object.fromEntries(
    Object.entries(error?.errors ?? {}).map(([path, e]) => [path, (e as mongoose.Error.ValidatorError).kind]),
  );
}
/** A document as the database would give it back: defaults applied, plain object. */
const stored = <T>(model: AnyModel<T>, fields: Record<string, unknown>): T =>
  new model(fields).toObject() as T;

const account = {
  _id: 'a1',
  tenantId: 'p-01',
  userId: 'p-01-usr012',
  status: 'active',
  loginMethod: 'password',
  createdAt: T0,
  updatedAt: T0,
};

describe('MongoDB schemas (no server)', function () {
  describe('indexes', function () {
    it('declares the unique indexes: user ID, fingerprint, (account, number), token hash, API key hash', function () {
      expect(indexOn(accountSchema, { userId: 1 })?.options).to.include({ unique: true });
      expect(indexOn(certificateSchema, { fingerprintS256: 1 })?.options).to.include({ unique: true });
      expect(indexOn(terminalSchema, { accountId: 1, number: 1 })?.options).to.include({ unique: true });
      expect(indexOn(ticketSchema, { tokenHash: 1 })?.options).to.include({ unique: true });
      expect(indexOn(apiKeySchema, { keyHash: 1 })?.options).to.include({ unique: true });
    });

    it('keys every collection by the domain id as a string _id (serial, clientId, … unique by construction)', function () {
      for (const [name, model] of Object.entries(models)) {
        const id = (model.schema as Schema).path('_id');
        expect(id.instance, name).to.equal('String');
        expect(id.isRequired, name).to.equal(true);
      }
      expect(toCertificate(stored(models.Certificate, certificateDoc())).serial).to.equal('0a1b');
      expect(toClient(stored(models.Client, clientDoc())).clientId).to.equal('rp1');
    });

    it('expires oidc artifacts and rate-limit buckets at expiresAt, tickets a week after, by TTL', function () {
      expect(indexOn(oidcSchema, { expiresAt: 1 })?.options).to.include({ expireAfterSeconds: 0 });
      expect(indexOn(rateLimitSchema, { expiresAt: 1 })?.options).to.include({ expireAfterSeconds: 0 });
      expect(indexOn(ticketSchema, { expiresAt: 1 })?.options).to.include({ expireAfterSeconds: 7 * DAY });
      expect(oidcSchema.path('expiresAt').instance).to.equal('Date');
      expect(ticketSchema.path('expiresAt').instance).to.equal('Date');
      expect(rateLimitSchema.path('expiresAt').instance).to.equal('Date');
    });

    it('has compound indexes for history, audit, outbox and oidc lookups, ending in the page tie-breaker', function () {
      expect(indexOn(loginEventSchema, { accountId: 1, at: -1, _id: -1 })).to.not.equal(undefined);
      expect(indexOn(loginEventSchema, { tenantId: 1, at: -1, _id: -1 })).to.not.equal(undefined);
      expect(indexOn(auditEventSchema, { accountId: 1, at: -1, _id: -1 })).to.not.equal(undefined);
      expect(indexOn(auditEventSchema, { tenantId: 1, at: -1, _id: -1 })).to.not.equal(undefined);
      expect(indexOn(outboxSchema, { to: 1, createdAt: -1, seq: -1 })).to.not.equal(undefined);
      expect(indexOn(outboxSchema, { status: 1, nextAttemptAt: 1 })).to.not.equal(undefined);
      expect(indexOn(outboxSchema, { status: 1, claimedUntil: 1 })).to.not.equal(undefined);
      expect(indexOn(oidcSchema, { grantId: 1 })).to.not.equal(undefined);
      expect(indexOn(oidcSchema, { model: 1, uid: 1 })).to.not.equal(undefined);
      expect(indexOn(oidcSchema, { model: 1, userCode: 1 })).to.not.equal(undefined);
    });

    it('stores dates as BSON Dates and keeps no unbounded array in any document', function () {
      for (const [name, model] of Object.entries(models)) {
        (model.schema as Schema).eachPath((path, type) => {
          if (/At$|^notBefore$|^notAfter$|^at$/.test(path))
            expect(type.instance, `${name}.${path}`).to.equal('Date');
          if (type.instance === 'Array') expect(`${name}.${path}`).to.equal('Account.passwordHistory');
        });
      }
    });
  });

  describe('validation', function () {
    it('requires the identifying fields of each record', function () {
      expect(invalidPaths(models.Account, { _id: 'a1' })).to.include({
        tenantId: 'required',
        userId: 'required',
        status: 'required',
        loginMethod: 'required',
        createdAt: 'required',
      });
      expect(invalidPaths(models.Terminal, { _id: 't1' })).to.include({
        accountId: 'required',
        number: 'required',
        email: 'required',
        type: 'required',
      });
      expect(invalidPaths(models.Certificate, { _id: 's' })).to.include({
        fingerprintS256: 'required',
        notAfter: 'required',
        pem: 'required',
      });
      expect(invalidPaths(models.Ticket, { _id: 'k' })).to.include({
        tokenHash: 'required',
        expiresAt: 'required',
        purpose: 'required',
      });
      expect(invalidPaths(models.Tenant, { _id: 'p', name: '' })).to.include({ name: 'required' });
      expect(invalidPaths(models.Outbox, { _id: 'm' })).to.include({ to: 'required', status: 'required' });
      expect(invalidPaths(models.Oidc, { _id: 'Session:1' })).to.include({
        model: 'required',
        payload: 'required',
      });
    });

    it('accepts only the domain’s enum values', function () {
      expect(invalidPaths(models.Account, { ...account, status: 'frozen' })).to.deep.equal({
        status: 'enum',
      });
      expect(invalidPaths(models.Account, { ...account, lockReason: 'bored' })).to.deep.equal({
        lockReason: 'enum',
      });
      expect(invalidPaths(models.Account, { ...account, loginMethod: 'sms' })).to.deep.equal({
        loginMethod: 'enum',
      });
      expect(invalidPaths(models.Terminal, { ...terminalDoc(), type: 'tablet' })).to.deep.equal({
        type: 'enum',
      });
      expect(invalidPaths(models.Certificate, { ...certificateDoc(), status: 'lost' })).to.deep.equal({
        status: 'enum',
      });
      expect(invalidPaths(models.Ticket, { ...ticketDoc(), purpose: 'other' })).to.deep.equal({
        purpose: 'enum',
      });
      expect(invalidPaths(models.Outbox, { ...mailDoc(), status: 'queued' })).to.deep.equal({
        status: 'enum',
      });
      for (const lockReason of [null, 'password', 'secret_answer', 'enrollment_otp', 'admin'])
        expect(invalidPaths(models.Account, { ...account, lockReason })).to.deep.equal({});
    });

    it('bounds the password history at 24 hashes and refuses negative counters and terminal number 0', function () {
      expect(
        invalidPaths(models.Account, { ...account, passwordHistory: Array(24).fill('h') }),
      ).to.deep.equal({});
      const tooLong = new models.Account({ ...account, passwordHistory: Array(25).fill('h') }).validateSync();
      expect(tooLong?.errors.passwordHistory?.message).to.equal('passwordHistory holds at most 24 hashes');
      expect(invalidPaths(models.Account, { ...account, failedPasswordCount: -1 })).to.deep.equal({
        failedPasswordCount: 'min',
      });
      expect(invalidPaths(models.Terminal, { ...terminalDoc(), number: 0 })).to.deep.equal({ number: 'min' });
    });

    it('fills defaults: zero counters, null optional fields, empty history', function () {
      const doc = stored(models.Account, account);
      expect(doc).to.include({
        failedPasswordCount: 0,
        failedSecretAnswerCount: 0,
        failedEnrollmentOtpCount: 0,
        terminalSeq: 0,
        mustChangePassword: false,
        lockReason: null,
        passwordHash: null,
        totpLastStep: null,
      });
      expect(stored(models.Terminal, terminalDoc())).to.include({
        pendingDownload: null,
        deleted: false,
        currentCertificateSerial: null,
      });
    });
  });

  describe('record mapping', function () {
    it('turns a stored account into a plain Account record', function () {
      const record = toAccount(stored(models.Account, { ...account, passwordHistory: ['h1', 'h0'] }));
      expect(record).to.deep.equal({
        id: 'a1',
        tenantId: 'p-01',
        userId: 'p-01-usr012',
        displayName: null,
        status: 'active',
        lockReason: null,
        lockedAt: null,
        passwordHash: null,
        passwordChangedAt: null,
        passwordHistory: ['h1', 'h0'],
        mustChangePassword: false,
        failedPasswordCount: 0,
        failedSecretAnswerCount: 0,
        failedEnrollmentOtpCount: 0,
        secretQuestionId: null,
        secretAnswerHash: null,
        loginMethod: 'password',
        totpSecretEnc: null,
        totpLastStep: null,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(record).to.not.have.property('terminalSeq');
      expect(Object.getPrototypeOf(record.passwordHistory), 'no MongooseArray').to.equal(Array.prototype);
    });

    it('shares nothing with the stored document', function () {
      const doc = stored(models.Account, { ...account, passwordHistory: ['h0'] });
      const record = toAccount(doc);
      record.passwordHistory.push('mutated');
      record.createdAt.setTime(0);
      expect(doc.passwordHistory).to.deep.equal(['h0']);
      expect(doc.createdAt).to.deep.equal(T0);

      const audit = { _id: 'e1', at: T0, actor: 'cli', action: 'x', details: { list: [1] } };
      const event = toAuditEvent(stored(models.AuditEvent, audit));
      (event.details.list as number[]).push(2);
      expect(audit.details.list).to.deep.equal([1]);
    });

    it('maps the other records, renaming _id to the domain id', function () {
      const pending = { p12Enc: 'sealed', passwordEnc: 'pw', expiresAt: T0 };
      expect(
        toTerminal(stored(models.Terminal, { ...terminalDoc(), pendingDownload: pending })),
      ).to.deep.include({
        id: 't1',
        number: 2,
        pendingDownload: pending,
        deleted: false,
      });
      expect(toCertificate(stored(models.Certificate, certificateDoc()))).to.deep.include({
        serial: '0a1b',
        status: 'active',
        revokedAt: null,
        revocationReason: null,
      });
      expect(toTicket(stored(models.Ticket, ticketDoc()))).to.deep.include({
        id: 'k1',
        usedAt: null,
        failedAttempts: 0,
        terminalId: null,
        secretHash: null,
      });
      expect(toMail(stored(models.Outbox, mailDoc()))).to.deep.include({
        id: 'm1',
        attempts: 0,
        html: null,
        claimedBy: null,
        sentAt: null,
      });
      expect(
        toApiKey(stored(models.ApiKey, { _id: 'k1', keyHash: 'h', label: 'ops', createdAt: T0 })),
      ).to.deep.equal({
        id: 'k1',
        keyHash: 'h',
        label: 'ops',
        tenantId: null,
        createdAt: T0,
        revokedAt: null,
      });
      expect(
        toLoginEvent(
          stored(models.LoginEvent, { _id: 'l1', at: T0, sourceIp: '192.0.2.1', result: 'success' }),
        ),
      ).to.deep.equal({
        id: 'l1',
        accountId: null,
        tenantId: null,
        at: T0,
        sourceIp: '192.0.2.1',
        result: 'success',
        clientId: null,
        userAgent: null,
        certSerial: null,
      });
      expect(toClient(stored(models.Client, clientDoc()))).to.deep.equal({
        clientId: 'rp1',
        tenantId: 'p-01',
        metadata: { redirect_uris: ['https://rp.example/cb'] },
        firstParty: true,
        createdAt: T0,
        updatedAt: T0,
      });
    });

    it('completes a stored tenant policy with the current defaults', function () {
      const policy = defaultTenantPolicy();
      const partial = { lockout: { maxPasswordFailures: 3 } };
      const tenant = toTenant(
        stored(models.Tenant, {
          _id: 'p-01',
          name: 'n',
          supportContact: 's',
          policy: partial,
          createdAt: T0,
          updatedAt: T0,
        }),
      );
      expect(tenant.policy.lockout.maxPasswordFailures).to.equal(3);
      expect(tenant.policy.password).to.deep.equal(policy.password);
    });

    it('gives oidc payloads back with `consumed` in epoch seconds once consumed', function () {
      const payload = { grantId: 'g1', nested: { a: [1] } };
      expect(toOidcPayload({ payload, consumedAt: null })).to.deep.equal(payload);
      const consumed = toOidcPayload({ payload, consumedAt: new Date(T0.getTime() + 7500) });
      expect(consumed).to.deep.equal({ ...payload, consumed: T0.getTime() / 1000 + 7 });
      (consumed.nested as { a: number[] }).a.push(2);
      expect(payload.nested.a).to.deep.equal([1]);
    });
  });
});

function terminalDoc() {
  return {
    _id: 't1',
    accountId: 'a1',
    number: 2,
    email: 'u@example.jp',
    type: 'pc',
    createdAt: T0,
    updatedAt: T0,
  };
}
function certificateDoc() {
  return {
    _id: '0a1b',
    accountId: 'a1',
    terminalId: 't1',
    subjectCn: 'cn',
    fingerprintS256: 'ff',
    notBefore: T0,
    notAfter: T0,
    status: 'active',
    pem: 'PEM',
    createdAt: T0,
  };
}
function ticketDoc() {
  return { _id: 'k1', purpose: 'enroll', tokenHash: 'th', accountId: 'a1', expiresAt: T0, createdAt: T0 };
}
function mailDoc() {
  return {
    _id: 'm1',
    seq: '0190a1b2-c3d4-7000-8000-000000000000',
    to: 'u@example.jp',
    subject: 's',
    text: 't',
    template: 'enrollment_invitation',
    status: 'pending',
    nextAttemptAt: T0,
    createdAt: T0,
  };
}
function clientDoc() {
  return {
    _id: 'rp1',
    tenantId: 'p-01',
    metadata: { redirect_uris: ['https://rp.example/cb'] },
    firstParty: true,
    createdAt: T0,
    updatedAt: T0,
  };
}
