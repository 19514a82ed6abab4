/**
 * The Store contract: every adapter runs exactly these tests (SQLite always, MongoDB when a server is
 * given). Each test gets a fresh store from the adapter's factory; explicit `now` Dates drive expiry,
 * nothing sleeps. One file per role in ./contract/ (named after it, given the store as that role);
 * integrity.ts holds what spans roles.
 */
import { accountContract } from './contract/accounts.js';
import { apiKeyContract } from './contract/api-keys.js';
import { auditContract } from './contract/audit.js';
import { certificateContract } from './contract/certificates.js';
import { clientContract } from './contract/clients.js';
import { freshStorePerTest, type StoreFactory } from './contract/context.js';
import { counterContract } from './contract/counters.js';
import { ephemeralContract } from './contract/ephemeral.js';
import { epochContract } from './contract/epoch.js';
import { expiryReminderContract } from './contract/expiry-reminders.js';
import { integrityContract } from './contract/integrity.js';
import { lifecycleContract } from './contract/lifecycle.js';
import { loginHistoryContract } from './contract/login-history.js';
import { oidcArtifactContract } from './contract/oidc-artifacts.js';
import { outboxContract } from './contract/outbox.js';
import { rateLimitContract } from './contract/rate-limits.js';
import { tenantContract } from './contract/tenants.js';
import { terminalContract } from './contract/terminals.js';
import { ticketContract } from './contract/tickets.js';
import { workContract } from './contract/work.js';

export type { StoreFactory } from './contract/context.js';

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, function () {
    const ctx = freshStorePerTest(factory);

    lifecycleContract(ctx);
    tenantContract(ctx);
    clientContract(ctx);
    accountContract(ctx);
    counterContract(ctx);
    terminalContract(ctx);
    certificateContract(ctx);
    expiryReminderContract(ctx);
    ticketContract(ctx);
    workContract(ctx);
    loginHistoryContract(ctx);
    auditContract(ctx);
    outboxContract(ctx);
    rateLimitContract(ctx);
    apiKeyContract(ctx);
    oidcArtifactContract(ctx);
    ephemeralContract(ctx);
    epochContract(ctx);
    integrityContract(ctx);
  });
}
