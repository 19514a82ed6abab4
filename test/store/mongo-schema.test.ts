/** What the MongoDB adapter does without a server: schemas, indexes, mapping, error handling. */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { mapMongoError, openMongoStore, redactUri } from '../../adapters/mongo/index.js';
import { toAccount, toTerminal } from '../../adapters/mongo/mapping.js';
import {
  accountSchema,
  certificateSchema,
  oidcSchema,
  outboxSchema,
  rateLimitSchema,
  terminalSchema,
  ticketSchema,
  loginEventSchema,
} from '../../adapters/mongo/schemas.js';
import { StoreConflictError, StoreUnavailableError } from '../../src/store.js';

const indexes = (schema: mongoose.Schema) => schema.indexes().map(([keys, options]) => ({ keys, options }));

describe('MongoDB adapter without a server', function () {
  it('declares the unique, compound and TTL indexes the store relies on', function () {
    expect(
      indexes(accountSchema).find((i) => i.keys.userId === 1 && Object.keys(i.keys).length === 1)?.options,
    ).to.include({ unique: true });
    expect(
      indexes(terminalSchema).find((i) => i.keys.accountId === 1 && i.keys.number === 1)?.options,
    ).to.include({ unique: true });
    expect(indexes(certificateSchema).find((i) => i.keys.fingerprintS256 === 1)?.options).to.include({
      unique: true,
    });
    expect(indexes(ticketSchema).find((i) => i.keys.tokenHash === 1)?.options).to.include({ unique: true });
    expect(indexes(ticketSchema).find((i) => i.keys.purgeAt === 1)?.options).to.include({
      expireAfterSeconds: 0,
    });
    expect(indexes(oidcSchema).find((i) => i.keys.expiresAt === 1)?.options).to.include({
      expireAfterSeconds: 0,
    });
    expect(indexes(rateLimitSchema).find((i) => i.keys.expiresAt === 1)?.options).to.include({
      expireAfterSeconds: 0,
    });
    expect(indexes(loginEventSchema).map((i) => i.keys)).to.deep.include({ accountId: 1, at: -1 });
    expect(indexes(outboxSchema).map((i) => i.keys)).to.deep.include({ status: 1, nextAttemptAt: 1 });
  });

  it('validates enums and required fields, and bounds the password history', async function () {
    const Account = mongoose.model('AccountValidation', accountSchema);
    const bad = new Account({
      _id: 'a',
      tenantId: 't',
      userId: 'u',
      status: 'frozen',
      loginMethod: 'password',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const error = bad.validateSync();
    expect(error?.errors.status?.kind).to.equal('enum');
    const missing = new Account({ _id: 'a' }).validateSync();
    expect(Object.keys(missing?.errors ?? {})).to.include.members([
      'tenantId',
      'userId',
      'status',
      'loginMethod',
    ]);
    const long = new Account({
      _id: 'a',
      tenantId: 't',
      userId: 'u',
      status: 'active',
      loginMethod: 'password',
      passwordHistory: Array(25).fill('h'),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    expect(long.validateSync()?.errors.passwordHistory?.message).to.match(/at most 24/);
  });

  it('maps lean documents to plain records', function () {
    const now = new Date('2026-01-01T00:00:00Z');
    const account = toAccount({
      _id: 'a1',
      tenantId: 't',
      userId: 'p-01-x',
      status: 'active',
      loginMethod: 'password',
      passwordHistory: ['h'],
      createdAt: now,
      updatedAt: now,
    });
    expect(account).to.include({
      id: 'a1',
      userId: 'p-01-x',
      failedPasswordCount: 0,
      lockReason: null,
      totpLastStep: null,
    });
    const terminal = toTerminal({
      _id: 't1',
      accountId: 'a1',
      number: 2,
      email: 'e@example.jp',
      type: 'pc',
      pendingDownload: { p12Enc: 'x', passwordEnc: 'y', expiresAt: now },
      createdAt: now,
      updatedAt: now,
    });
    expect(terminal.pendingDownload).to.deep.equal({ p12Enc: 'x', passwordEnc: 'y', expiresAt: now });
    expect(terminal.deleted).to.equal(false);
  });

  it('maps duplicate-key and network errors to the store’s typed errors', function () {
    const dup = mapMongoError({ code: 11000, keyPattern: { userId: 1 } }, 'accounts');
    expect(dup).to.be.instanceOf(StoreConflictError).with.property('field', 'userId');
    expect(mapMongoError({ code: 11000, keyPattern: { _id: 1 } }, 'certificates')).to.have.property(
      'field',
      'serial',
    );
    expect(
      mapMongoError({ code: 11000, keyPattern: { accountId: 1, number: 1 } }, 'terminals'),
    ).to.have.property('field', 'number');
    expect(mapMongoError({ name: 'MongoServerSelectionError', message: 'timed out' })).to.be.instanceOf(
      StoreUnavailableError,
    );
    const other = new Error('x');
    expect(mapMongoError(other)).to.equal(other);
  });

  it('hides credentials in URIs it prints', function () {
    expect(redactUri('mongodb://tobira:s3cret@db1:27017,db2/tobira?replicaSet=rs0')).to.equal(
      'mongodb://***@db1:27017,db2/tobira?replicaSet=rs0',
    );
    expect(redactUri('mongodb://db1/tobira')).to.equal('mongodb://db1/tobira');
  });

  it('fails start-up with one clear line when no server answers', async function () {
    const error = await openMongoStore({
      uri: 'mongodb://user:pw@127.0.0.1:1/tobira',
      serverSelectionTimeoutMS: 500,
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(StoreUnavailableError);
    const message = (error as Error).message;
    expect(message).to.match(/^cannot reach MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/tobira/);
    expect(message).to.not.include('pw');
    expect(message).to.not.include('\n');
  });
});
