/** Refusals of the operations layer: a stable code each surface maps (HTTP status, CLI exit 1). */
export type OperationErrorCode =
  /** Missing, or owned by a tenant outside the caller's scope: the two look the same on purpose. */
  | 'not_found'
  /** Acts on the whole platform, and the caller is limited to one tenant. */
  | 'platform_only'
  | 'tenant.invalid_id'
  | 'tenant.invalid_policy'
  | 'account.not_locked'
  /** The login method asked for a new account is not one its tenant's policy allows. */
  | 'account.login_method_not_allowed'
  /** A terminal's new e-mail address is not one a certificate can carry (policy/mailbox.ts). */
  | 'terminal.invalid_email';

export class OperationError extends Error {
  constructor(
    readonly code: OperationErrorCode,
    message: string,
    /** Machine-readable particulars, e.g. the policy paths that failed validation. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

export const notFound = (what: string) => new OperationError('not_found', `no ${what}`);
