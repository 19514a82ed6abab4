/**
 * The application layer under the admin API and the CLI: each operation takes a typed input and a
 * caller, checks what the caller may do (platform or one tenant), does the work through the services,
 * records the audit event and returns domain records, or throws a typed error with a stable code.
 * Routes and commands only translate HTTP or argv.
 */
import { accountOperations } from './accounts.js';
import { apiKeyOperations } from './api-keys.js';
import { certificateOperations } from './certificates.js';
import { clientOperations } from './clients.js';
import type { OperationDeps } from './deps.js';
import { recordOperations } from './records.js';
import { tenantOperations } from './tenants.js';

export function operations(deps: OperationDeps) {
  return {
    tenants: tenantOperations(deps),
    clients: clientOperations(deps),
    accounts: accountOperations(deps),
    certificates: certificateOperations(deps),
    records: recordOperations(deps),
    apiKeys: apiKeyOperations(deps),
  };
}

export type Operations = ReturnType<typeof operations>;
export { CLI_CALLER, type Caller } from './caller.js';
export type { OperationDeps } from './deps.js';
export { OperationError, type OperationErrorCode } from './errors.js';
export type { ClientInput } from './clients.js';
export { REVOCATION_REASONS, type RevocationReason } from './certificates.js';
export { TENANT_ID_HINT, TENANT_ID_PATTERN } from './tenants.js';
