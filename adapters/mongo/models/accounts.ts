/**
 * Accounts. The user ID is unique platform-wide; the failure counters and `terminalSeq` only ever
 * change through atomic `$inc` / conditional updates. `passwordHistory` is the one array in a
 * document, bounded by policy (historyCount ≤ 24) — login history lives in its own collection.
 */
import { Schema } from 'mongoose';
import type { Account, AccountStatus, FailureCounter, LockReason, LoginMethod } from '../../../src/domain.js';
import {
  copyDate,
  copyDateOrNull,
  nullableDate,
  nullableString,
  orNull,
  requiredDate,
  requiredString,
  schemaOptions,
  type DocOf,
} from './fields.js';

export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['pending', 'active', 'locked'];
export const LOCK_REASONS: readonly LockReason[] = ['password', 'secret_answer', 'enrollment_otp', 'admin'];
export const LOGIN_METHODS: readonly LoginMethod[] = ['password', 'password_otp'];
/** The tenant policy allows at most 24 remembered passwords (tenant-policy.ts, historyCount). */
export const PASSWORD_HISTORY_MAX = 24;

/** Each failure counter's field in the account document. */
export const COUNTER_FIELDS = {
  password: 'failedPasswordCount',
  secret_answer: 'failedSecretAnswerCount',
  enrollment_otp: 'failedEnrollmentOtpCount',
} as const satisfies Record<FailureCounter, keyof AccountDoc>;

/** The document: the domain record with its id as `_id`. */
export type AccountDoc = DocOf<Account> & {
  /** Last terminal number handed out: `$inc` makes numbering atomic, and numbers are never reused. */
  terminalSeq: number;
};

const counter = { type: Number, default: 0, min: 0 } as const;

export const accountSchema = new Schema<AccountDoc>(
  {
    _id: requiredString,
    tenantId: requiredString,
    userId: { ...requiredString, unique: true },
    displayName: nullableString,
    status: { ...requiredString, enum: ACCOUNT_STATUSES },
    lockReason: { ...nullableString, enum: [...LOCK_REASONS, null] },
    lockedAt: nullableDate,
    passwordHash: nullableString,
    passwordChangedAt: nullableDate,
    passwordHistory: {
      type: [String],
      default: [],
      validate: {
        validator: (hashes: string[]) => hashes.length <= PASSWORD_HISTORY_MAX,
        message: `passwordHistory holds at most ${PASSWORD_HISTORY_MAX} hashes`,
      },
    },
    mustChangePassword: { type: Boolean, default: false },
    failedPasswordCount: counter,
    failedSecretAnswerCount: counter,
    failedEnrollmentOtpCount: counter,
    secretQuestionId: nullableString,
    secretAnswerHash: nullableString,
    loginMethod: { ...requiredString, enum: LOGIN_METHODS },
    totpSecretEnc: nullableString,
    totpLastStep: { type: Number, default: null },
    terminalSeq: counter,
    createdAt: requiredDate,
    updatedAt: requiredDate,
  },
  schemaOptions('accounts'),
);
// The admin list: accounts of a tenant by user ID.
accountSchema.index({ tenantId: 1, userId: 1 });

export const toAccount = (doc: AccountDoc): Account => ({
  id: doc._id,
  tenantId: doc.tenantId,
  userId: doc.userId,
  displayName: orNull(doc.displayName),
  status: doc.status,
  lockReason: orNull(doc.lockReason),
  lockedAt: copyDateOrNull(doc.lockedAt),
  passwordHash: orNull(doc.passwordHash),
  passwordChangedAt: copyDateOrNull(doc.passwordChangedAt),
  passwordHistory: [...(doc.passwordHistory ?? [])],
  mustChangePassword: doc.mustChangePassword ?? false,
  failedPasswordCount: doc.failedPasswordCount ?? 0,
  failedSecretAnswerCount: doc.failedSecretAnswerCount ?? 0,
  failedEnrollmentOtpCount: doc.failedEnrollmentOtpCount ?? 0,
  secretQuestionId: orNull(doc.secretQuestionId),
  secretAnswerHash: orNull(doc.secretAnswerHash),
  loginMethod: doc.loginMethod,
  totpSecretEnc: orNull(doc.totpSecretEnc),
  totpLastStep: orNull(doc.totpLastStep),
  createdAt: copyDate(doc.createdAt),
  updatedAt: copyDate(doc.updatedAt),
});
