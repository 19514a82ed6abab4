/** Accounts: created pending (→ enrollment URL + one-time password), found, renamed, unlocked, deleted. */
import type { Account, AccountStatus, LoginMethod, Tenant, Terminal } from '../domain.js';
import { isMailboxAddress } from '../policy/mailbox.js';
import type { EnrollmentService } from '../services/enrollment.js';
import type { Page } from '../store.js';
import { scopedLookups, tenantFilter, type Caller } from './caller.js';
import type { OperationDeps } from './deps.js';
import { OperationError, notFound } from './errors.js';

export interface Paging {
  offset?: number;
  limit?: number;
}

/** What the enrollment service takes, less what the path and the caller give (tenant, actor). */
export type AccountInput = Omit<Parameters<EnrollmentService['createAccount']>[0], 'tenantId' | 'actor'>;

export interface Enrollment {
  enrollmentUrl: string;
  /** Shown to the caller once; stored only as a hash. */
  oneTimePassword: string;
  expiresAt: Date;
}

export type AccountWithTerminals = { account: Account; terminals: Terminal[] };

/**
 * The login method a new account gets: one its tenant's policy allows (the contract, which the login
 * itself does not consult: an account's own method decides whether it is asked for a one-time
 * password). Unasked, password where the tenant allows it, else the tenant's first method.
 */
function loginMethodFor(tenant: Tenant, asked: LoginMethod | undefined): LoginMethod {
  const allowed = tenant.policy.features.loginMethods;
  const method = asked ?? (allowed.includes('password') ? 'password' : allowed[0]!);
  if (!allowed.includes(method))
    throw new OperationError(
      'account.login_method_not_allowed',
      `tenant ${tenant.id} allows the login method(s) ${allowed.join(', ')} only`,
    );
  return method;
}

export function accountOperations(deps: OperationDeps) {
  const { store, clock, audit, enrollment, certificates } = deps;
  const scoped = scopedLookups(store);
  const record = (caller: Caller, account: Account, action: string, details?: Record<string, unknown>) =>
    audit.record({
      actor: caller.actor,
      action,
      tenantId: account.tenantId,
      accountId: account.id,
      sourceIp: caller.sourceIp ?? null,
      ...(details ? { details } : {}),
    });
  return {
    async create(
      caller: Caller,
      tenantId: string,
      input: AccountInput,
    ): Promise<AccountWithTerminals & Enrollment> {
      const tenant = await scoped.tenant(caller, tenantId);
      const created = await enrollment.createAccount({
        ...input,
        loginMethod: loginMethodFor(tenant, input.loginMethod),
        tenantId: tenant.id,
        actor: caller.actor,
      });
      return { ...created, terminals: await store.listTerminals(created.account.id) };
    },

    /** A tenant-scoped caller searches its own tenant, whatever it asks for. */
    search(
      caller: Caller,
      query: { tenant?: string; prefix?: string; status?: AccountStatus } & Paging,
    ): Promise<Page<Account>> {
      const tenantId = tenantFilter(caller, query.tenant);
      return store.findAccounts({
        ...(tenantId ? { tenantId } : {}),
        ...(query.prefix ? { userIdPrefix: query.prefix } : {}),
        ...(query.status ? { status: query.status } : {}),
        offset: query.offset,
        limit: query.limit,
      });
    },

    /** With every terminal, deleted ones too. */
    async show(caller: Caller, userId: string): Promise<AccountWithTerminals> {
      const account = await scoped.account(caller, userId);
      return { account, terminals: await store.listTerminals(account.id, { includeDeleted: true }) };
    },

    /**
     * A terminal's e-mail address, changed by the operator: how a terminal saved before addresses had
     * to be ASCII is put right for a user who cannot do it on the account pages (signed out, or the
     * tenant does not allow 端末情報の変更). The same rule as the account pages; the current
     * certificate keeps its address until it is re-issued, as there.
     */
    async changeTerminalEmail(
      caller: Caller,
      userId: string,
      number: number,
      email: string,
    ): Promise<AccountWithTerminals> {
      const account = await scoped.account(caller, userId);
      const terminal = (await store.listTerminals(account.id)).find((t) => t.number === number);
      if (!terminal) throw notFound(`terminal ${number} of ${account.userId}`);
      if (!isMailboxAddress(email))
        throw new OperationError(
          'terminal.invalid_email',
          'a terminal e-mail address is printable ASCII with one @ and a dotted domain (a certificate carries it)',
        );
      await store.updateTerminal(terminal.id, { email }, clock.now());
      await record(caller, account, 'terminal.changed', { terminal: number, by: 'operator' });
      return { account, terminals: await store.listTerminals(account.id) };
    },

    /** The display name (the profile scope's name claim); null clears it. */
    async rename(caller: Caller, userId: string, displayName: string | null): Promise<AccountWithTerminals> {
      const account = await scoped.account(caller, userId);
      const updated = await store.updateAccount(account.id, { displayName }, clock.now());
      if (!updated) throw notFound(`account ${userId}`);
      await record(caller, account, 'account.updated', { displayName: displayName !== null });
      return { account: updated, terminals: await store.listTerminals(account.id) };
    },

    /** Back to active (or pending), failure counters cleared. Only a locked account: anything else is a mistake. */
    async unlock(caller: Caller, userId: string): Promise<{ before: Account; after: Account }> {
      const account = await scoped.account(caller, userId);
      if (account.status !== 'locked')
        throw new OperationError(
          'account.not_locked',
          `the account ${userId} is not locked (${account.status})`,
        );
      const unlocked = await store.unlockAccount(account.id, clock.now());
      if (!unlocked) throw notFound(`account ${userId}`);
      await record(caller, account, 'account.unlocked', { previousReason: account.lockReason });
      return { before: account, after: unlocked };
    },

    /** A pending account's new enrollment URL and one-time password; the old ones stop working. */
    async reissueEnrollment(caller: Caller, userId: string): Promise<Enrollment> {
      return enrollment.reissueEnrollment((await scoped.account(caller, userId)).id, caller.actor);
    },

    /** Its terminals and tickets go; its certificates stay, revoked. */
    async delete(caller: Caller, userId: string): Promise<Account> {
      const account = await scoped.account(caller, userId);
      if (!(await store.deleteAccount(account.id, clock.now()))) throw notFound(`account ${userId}`);
      await certificates.certificatesRevoked();
      await record(caller, account, 'account.deleted', { userId: account.userId });
      return account;
    },
  };
}

export type AccountOperations = ReturnType<typeof accountOperations>;
