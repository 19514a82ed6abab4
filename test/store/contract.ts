/**
 * The Store contract: every adapter runs exactly these tests (SQLite always, MongoDB when a server is
 * given). Each test gets a fresh store from the adapter's factory; explicit `now` Dates drive expiry,
 * nothing sleeps. The areas live in ./contract/*.ts.
 */
import { expect } from 'chai';
import { accountContract } from './contract/accounts.js';
import { certificateContract } from './contract/certificates.js';
import { freshStorePerTest, type StoreFactory } from './contract/context.js';
import { counterContract } from './contract/counters.js';
import { historyContract } from './contract/history.js';
import { integrityContract } from './contract/integrity.js';
import { limitContract } from './contract/limits.js';
import { oidcContract } from './contract/oidc.js';
import { outboxContract } from './contract/outbox.js';
import { tenantContract } from './contract/tenants.js';
import { terminalContract } from './contract/terminals.js';
import { ticketContract } from './contract/tickets.js';
import { workContract } from './contract/work.js';

export type { StoreFactory } from './contract/context.js';

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, function () {
    const ctx = freshStorePerTest(factory);

    it('answers ping and reports its kind', async function () {
      await ctx.store.ping();
      expect(ctx.store.kind).to.be.a('string').and.not.equal('');
    });

    tenantContract(ctx);
    accountContract(ctx);
    counterContract(ctx);
    terminalContract(ctx);
    certificateContract(ctx);
    ticketContract(ctx);
    workContract(ctx);
    historyContract(ctx);
    outboxContract(ctx);
    limitContract(ctx);
    oidcContract(ctx);
    integrityContract(ctx);
  });
}
