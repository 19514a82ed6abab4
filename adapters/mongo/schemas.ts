/**
 * mongoose schemas of the MongoDB store. String `_id`s equal the domain ids; dates are BSON Dates
 * (UTC). No unbounded arrays: history, audit and outbox are their own collections, and
 * `passwordHistory` is bounded by policy (≤ 24). TTL indexes expire artifacts, tickets and buckets.
 */
import { Schema, type Connection } from 'mongoose';

const required = { type: String, required: true } as const;
const optionalString = { type: String, default: null } as const;
const optionalDate = { type: Date, default: null } as const;
const options = { versionKey: false, minimize: false } as const;

export const tenantSchema = new Schema(
  {
    _id: required,
    name: required,
    supportContact: required,
    policy: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'tenants' },
);

export const clientSchema = new Schema(
  {
    _id: required,
    tenantId: { ...required, index: true },
    metadata: { type: Schema.Types.Mixed, required: true },
    firstParty: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'clients' },
);

export const accountSchema = new Schema(
  {
    _id: required,
    tenantId: required,
    userId: { ...required, unique: true },
    status: { type: String, required: true, enum: ['pending', 'active', 'locked'] },
    lockReason: {
      type: String,
      default: null,
      enum: [null, 'password', 'secret_answer', 'enrollment_otp', 'admin'],
    },
    lockedAt: optionalDate,
    passwordHash: optionalString,
    passwordChangedAt: optionalDate,
    passwordHistory: {
      type: [String],
      default: [],
      validate: {
        validator: (v: string[]) => v.length <= 24,
        message: 'passwordHistory holds at most 24 hashes',
      },
    },
    mustChangePassword: { type: Boolean, default: false },
    failedPasswordCount: { type: Number, default: 0 },
    failedSecretAnswerCount: { type: Number, default: 0 },
    failedEnrollmentOtpCount: { type: Number, default: 0 },
    secretQuestionId: optionalString,
    secretAnswerHash: optionalString,
    loginMethod: { type: String, required: true, enum: ['password', 'password_otp'] },
    totpSecretEnc: optionalString,
    totpLastStep: { type: Number, default: null },
    /** Last terminal number handed out; `$inc` makes numbering atomic and never reuses a number. */
    terminalSeq: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'accounts' },
);
accountSchema.index({ tenantId: 1, userId: 1 });

export const terminalSchema = new Schema(
  {
    _id: required,
    accountId: required,
    number: { type: Number, required: true, min: 1 },
    email: required,
    type: { type: String, required: true, enum: ['pc', 'mobile', 'smartphone'] },
    currentCertificateSerial: optionalString,
    pendingDownload: {
      type: new Schema(
        { p12Enc: required, passwordEnc: required, expiresAt: { type: Date, required: true } },
        { _id: false },
      ),
      default: null,
    },
    deleted: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'terminals' },
);
terminalSchema.index({ accountId: 1, number: 1 }, { unique: true });

export const certificateSchema = new Schema(
  {
    _id: required, // the serial
    accountId: { ...required, index: true },
    terminalId: { ...required, index: true },
    subjectCn: required,
    fingerprintS256: { ...required, unique: true },
    notBefore: { type: Date, required: true },
    notAfter: { type: Date, required: true },
    status: { type: String, required: true, enum: ['active', 'revoked', 'superseded'] },
    revokedAt: optionalDate,
    revocationReason: optionalString,
    pem: required,
    createdAt: { type: Date, required: true },
  },
  { ...options, collection: 'certificates' },
);
certificateSchema.index({ status: 1, notAfter: 1 });

export const ticketSchema = new Schema(
  {
    _id: required,
    purpose: {
      type: String,
      required: true,
      enum: ['enroll', 'password_reissue', 'cert_reissue', 'cert_download'],
    },
    tokenHash: { ...required, unique: true },
    accountId: required,
    terminalId: optionalString,
    secretHash: optionalString,
    expiresAt: { type: Date, required: true },
    /** Removed by MongoDB a week after expiry (the SQLite adapter's purge does the same on a timer). */
    purgeAt: { type: Date, required: true },
    usedAt: optionalDate,
    failedAttempts: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
  },
  { ...options, collection: 'tickets' },
);
ticketSchema.index({ accountId: 1, purpose: 1 });
ticketSchema.index({ purgeAt: 1 }, { expireAfterSeconds: 0 });

export const loginEventSchema = new Schema(
  {
    _id: required,
    accountId: optionalString,
    tenantId: optionalString,
    at: { type: Date, required: true },
    sourceIp: required,
    result: required,
    clientId: optionalString,
    userAgent: optionalString,
    certSerial: optionalString,
  },
  { ...options, collection: 'login_events' },
);
loginEventSchema.index({ accountId: 1, at: -1 });
loginEventSchema.index({ tenantId: 1, at: -1 });
loginEventSchema.index({ at: -1 });

export const auditEventSchema = new Schema(
  {
    _id: required,
    at: { type: Date, required: true },
    actor: required,
    action: required,
    tenantId: optionalString,
    accountId: optionalString,
    sourceIp: optionalString,
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { ...options, collection: 'audit_events' },
);
auditEventSchema.index({ tenantId: 1, at: -1 });
auditEventSchema.index({ accountId: 1, at: -1 });
auditEventSchema.index({ action: 1, at: -1 });

export const outboxSchema = new Schema(
  {
    _id: required,
    to: required,
    subject: required,
    text: required,
    html: optionalString,
    template: required,
    status: { type: String, required: true, enum: ['pending', 'sending', 'sent', 'failed'] },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    lastError: optionalString,
    claimedBy: optionalString,
    claimedUntil: optionalDate,
    createdAt: { type: Date, required: true },
    sentAt: optionalDate,
  },
  { ...options, collection: 'outbox' },
);
outboxSchema.index({ status: 1, nextAttemptAt: 1 });
outboxSchema.index({ status: 1, claimedUntil: 1 });
outboxSchema.index({ to: 1, createdAt: -1 });

export const rateLimitSchema = new Schema(
  { _id: required, count: { type: Number, required: true }, expiresAt: { type: Date, required: true } },
  { ...options, collection: 'rate_limits' },
);
rateLimitSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const apiKeySchema = new Schema(
  {
    _id: required,
    keyHash: { ...required, unique: true },
    label: required,
    createdAt: { type: Date, required: true },
    revokedAt: optionalDate,
  },
  { ...options, collection: 'api_keys' },
);

/** oidc-provider artifacts and Tobira's own short-lived state, one collection, `_id` = `<model>:<id>`. */
export const oidcSchema = new Schema(
  {
    _id: required,
    model: required,
    payload: { type: Schema.Types.Mixed, required: true },
    grantId: optionalString,
    uid: optionalString,
    userCode: optionalString,
    expiresAt: optionalDate,
    consumedAt: optionalDate,
  },
  { ...options, collection: 'oidc' },
);
oidcSchema.index({ grantId: 1 }, { sparse: true });
oidcSchema.index({ model: 1, uid: 1 }, { sparse: true });
oidcSchema.index({ model: 1, userCode: 1 }, { sparse: true });
oidcSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export function defineModels(connection: Connection) {
  return {
    Tenant: connection.model('Tenant', tenantSchema),
    Client: connection.model('Client', clientSchema),
    Account: connection.model('Account', accountSchema),
    Terminal: connection.model('Terminal', terminalSchema),
    Certificate: connection.model('Certificate', certificateSchema),
    Ticket: connection.model('Ticket', ticketSchema),
    LoginEvent: connection.model('LoginEvent', loginEventSchema),
    AuditEvent: connection.model('AuditEvent', auditEventSchema),
    Outbox: connection.model('Outbox', outboxSchema),
    RateLimit: connection.model('RateLimit', rateLimitSchema),
    ApiKey: connection.model('ApiKey', apiKeySchema),
    Oidc: connection.model('Oidc', oidcSchema),
  };
}

export type Models = ReturnType<typeof defineModels>;
