/** Roles: accounts, and their failure counters, lock and TOTP step (each changed atomically). */
import type { Account, AccountStatus, FailureCounter, LockReason, LoginMethod } from '../domain.js';
import type { AttemptReservation, Page } from './results.js';

export interface NewAccount {
  id: string;
  tenantId: string;
  userId: string;
  status: AccountStatus;
  loginMethod: LoginMethod;
  displayName?: string | null;
}

/** Fields a service may set directly. Counters are not here: they have their own atomic methods. */
export type AccountPatch = Partial<
  Pick<
    Account,
    | 'status'
    | 'displayName'
    | 'lockReason'
    | 'lockedAt'
    | 'passwordHash'
    | 'passwordChangedAt'
    | 'passwordHistory'
    | 'mustChangePassword'
    | 'secretQuestionId'
    | 'secretAnswerHash'
    | 'loginMethod'
    | 'totpSecretEnc'
    | 'totpLastStep'
  >
>;

export interface AccountQuery {
  tenantId?: string;
  /** Prefix of the user ID. */
  userIdPrefix?: string;
  status?: AccountStatus;
  offset?: number;
  limit?: number;
}

export interface AccountStore {
  createAccount(account: NewAccount, now: Date): Promise<Account>;
  getAccount(id: string): Promise<Account | null>;
  /** Case-sensitive exact match on the user ID. */
  getAccountByUserId(userId: string): Promise<Account | null>;
  findAccounts(query: AccountQuery): Promise<Page<Account>>;
  updateAccount(id: string, patch: AccountPatch, now: Date): Promise<Account | null>;
  /** Deletes the account and everything it owns (terminals, tickets; certificates are kept, revoked). */
  deleteAccount(id: string, now: Date): Promise<boolean>;
}

/** The account fields that must never be read, changed and written back in JavaScript. */
export interface CounterStore {
  /**
   * Atomically take one attempt of `counter` for an `active` account: increments the counter only when
   * it is below `max`. Returns `{ ok: false }` when the account is missing, not active, or has no
   * attempt left — concurrent callers can never exceed `max` between them.
   * (Enrollment counts on `pending` accounts: pass `allowPending`.)
   * `syncWithFailureEvent`: the caller records the login event of a failed attempt (`bad_password`,
   * `user_mismatch`, `otp_failed`) before it answers, and resets the counter after a success, so the
   * reservation need not reach the disk on its own: that event's durable write takes it along
   * (SQLite: adapters/sqlite/durability.ts; each MongoDB write is acknowledged as it stands).
   */
  reserveAttempt(
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options?: { allowPending?: boolean; syncWithFailureEvent?: boolean },
  ): Promise<AttemptReservation>;
  /** Set `counter` back to 0 (after a success). */
  resetCounter(accountId: string, counter: FailureCounter, now: Date): Promise<void>;
  /** Lock the account (status `locked`, reason, time). Returns the updated account or null if missing. */
  lockAccount(accountId: string, reason: LockReason, now: Date): Promise<Account | null>;
  /** Unlock: status back to `active` (or `pending` when no password was ever set), counters to 0. */
  unlockAccount(accountId: string, now: Date): Promise<Account | null>;
  /**
   * Accept a TOTP step only if it is later than the last accepted one (replay protection), atomically.
   * Returns false when `step` was already used (or an earlier one).
   */
  advanceTotpStep(accountId: string, step: number, now: Date): Promise<boolean>;
}
