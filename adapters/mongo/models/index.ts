/** Every model of the MongoDB store, compiled on one connection (never mongoose's global one). */
import type { Connection } from 'mongoose';
import { accountSchema, type AccountDoc } from './accounts.js';
import { apiKeySchema, type ApiKeyDoc } from './api-keys.js';
import { auditEventSchema, type AuditEventDoc } from './audit-events.js';
import { certificateSchema, type CertificateDoc } from './certificates.js';
import { clientSchema, type ClientDoc } from './clients.js';
import { loginEventSchema, type LoginEventDoc } from './login-events.js';
import { oidcSchema, type OidcDoc } from './oidc.js';
import { outboxSchema, type OutboxDoc } from './outbox.js';
import { rateLimitSchema, type RateLimitDoc } from './rate-limits.js';
import { tenantSchema, type TenantDoc } from './tenants.js';
import { terminalSchema, type TerminalDoc } from './terminals.js';
import { ticketSchema, type TicketDoc } from './tickets.js';

export function defineModels(connection: Connection) {
  return {
    Tenant: connection.model<TenantDoc>('Tenant', tenantSchema),
    Client: connection.model<ClientDoc>('Client', clientSchema),
    Account: connection.model<AccountDoc>('Account', accountSchema),
    Terminal: connection.model<TerminalDoc>('Terminal', terminalSchema),
    Certificate: connection.model<CertificateDoc>('Certificate', certificateSchema),
    Ticket: connection.model<TicketDoc>('Ticket', ticketSchema),
    LoginEvent: connection.model<LoginEventDoc>('LoginEvent', loginEventSchema),
    AuditEvent: connection.model<AuditEventDoc>('AuditEvent', auditEventSchema),
    Outbox: connection.model<OutboxDoc>('Outbox', outboxSchema),
    RateLimit: connection.model<RateLimitDoc>('RateLimit', rateLimitSchema),
    ApiKey: connection.model<ApiKeyDoc>('ApiKey', apiKeySchema),
    Oidc: connection.model<OidcDoc>('Oidc', oidcSchema),
  };
}

export type Models = ReturnType<typeof defineModels>;

/**
 * The domain name of each collection's `_id`, for conflict errors (`StoreConflictError.field`):
 * the same names the SQLite adapter reports.
 */
export const ID_FIELDS: Readonly<Record<string, string>> = {
  certificates: 'serial',
  clients: 'clientId',
  rate_limits: 'key',
};
