/** Admin API: accounts — create (→ enrollment URL + one-time password), search, show, unlock, delete. */
import { notFound } from './errors.js';
import { lookups, type AdminDeps, type DefineRoute } from './route-table.js';
import * as s from './schemas.js';
import { accountView, certificateView } from './views.js';

export function accountRoutes(route: DefineRoute, deps: AdminDeps): void {
  const { store, clock, audit, enrollment, recovery } = deps;
  const { accountByUserId, tenantById } = lookups(store);
  route({
    method: 'post',
    path: '/tenants/:id/accounts',
    summary:
      'Create a pending account with its terminals; returns the enrollment URL and one-time password (once)',
    body: s.accountCreate,
    status: 201,
    handler: async ({ params, body, actor, scope }) => {
      const created = await enrollment.createAccount({
        tenantId: (await tenantById(params.id!, scope)).id,
        ...body,
        actor,
      });
      return {
        account: accountView(created.account, await store.listTerminals(created.account.id)),
        enrollmentUrl: created.enrollmentUrl,
        oneTimePassword: created.oneTimePassword,
        expiresAt: created.expiresAt,
      };
    },
  });
  route({
    method: 'get',
    path: '/accounts',
    summary: 'Search accounts by tenant, user ID prefix and status',
    query: s.accountQuery,
    handler: async ({ query, scope }) => {
      // A tenant's key searches its own tenant, whatever it asks for.
      const tenantId = scope ?? query.tenant;
      const page = await store.findAccounts({
        ...(tenantId ? { tenantId } : {}),
        ...(query.prefix ? { userIdPrefix: query.prefix } : {}),
        ...(query.status ? { status: query.status } : {}),
        offset: query.offset,
        limit: query.limit,
      });
      return { items: page.items.map((a) => accountView(a)), total: page.total };
    },
  });
  route({
    method: 'get',
    path: '/accounts/:userId',
    summary: 'Show an account with its terminals',
    handler: async ({ params, scope }) => {
      const account = await accountByUserId(params.userId!, scope);
      return accountView(account, await store.listTerminals(account.id, { includeDeleted: true }));
    },
  });
  route({
    method: 'patch',
    path: '/accounts/:userId',
    summary: 'Change the display name (the profile scope’s name claim)',
    body: s.accountUpdate,
    handler: async ({ params, body, actor, scope }) => {
      const account = await accountByUserId(params.userId!, scope);
      const updated = await store.updateAccount(account.id, { displayName: body.displayName }, clock.now());
      if (!updated) throw notFound(`account ${params.userId}`);
      await audit.record({
        actor,
        action: 'account.updated',
        tenantId: account.tenantId,
        accountId: account.id,
        details: { displayName: body.displayName !== null },
      });
      return accountView(updated, await store.listTerminals(account.id));
    },
  });
  route({
    method: 'post',
    path: '/accounts/:userId/unlock',
    summary: 'Unlock an account (support desk), clearing its failure counters',
    handler: async ({ params, actor, ip, scope }) => {
      const account = await accountByUserId(params.userId!, scope);
      const unlocked = await store.unlockAccount(account.id, clock.now());
      await audit.record({
        actor,
        action: 'account.unlocked',
        tenantId: account.tenantId,
        accountId: account.id,
        sourceIp: ip,
        details: { previousReason: account.lockReason },
      });
      return accountView(unlocked!);
    },
  });
  route({
    method: 'post',
    path: '/accounts/:userId/enrollment',
    summary:
      'Issue a new enrollment URL and one-time password for a pending account (the old ones stop working)',
    status: 201,
    handler: async ({ params, actor, scope }) =>
      enrollment.reissueEnrollment((await accountByUserId(params.userId!, scope)).id, actor),
  });
  route({
    method: 'delete',
    path: '/accounts/:userId',
    summary: 'Delete an account; its certificates are revoked',
    handler: async ({ params, actor, ip, scope }) => {
      const account = await accountByUserId(params.userId!, scope);
      await store.deleteAccount(account.id, clock.now());
      await audit.record({
        actor,
        action: 'account.deleted',
        tenantId: account.tenantId,
        accountId: account.id,
        sourceIp: ip,
        details: { userId: account.userId },
      });
      return { deleted: account.userId };
    },
  });
  route({
    method: 'get',
    path: '/accounts/:userId/login-events',
    summary: 'Login history of an account, newest first',
    query: s.pageQuery,
    handler: async ({ params, query, scope }) =>
      store.listLoginEvents({
        accountId: (await accountByUserId(params.userId!, scope)).id,
        offset: query.offset,
        limit: query.limit,
      }),
  });
  route({
    method: 'get',
    path: '/accounts/:userId/certificates',
    summary: 'Certificates of an account',
    handler: async ({ params, scope }) => ({
      items: (
        await store.listCertificates({ accountId: (await accountByUserId(params.userId!, scope)).id })
      ).map(certificateView),
    }),
  });

  route({
    method: 'post',
    path: '/accounts/:userId/terminals/:number/certificate-reissue',
    summary:
      'Start a certificate re-issue for a terminal: mails 「証明書再発行手順のご案内」 with a single-use link',
    body: s.reissue,
    status: 202,
    handler: async ({ params, body, actor, scope }) => {
      const account = await accountByUserId(params.userId!, scope);
      const terminal = (await store.listTerminals(account.id)).find(
        (x) => x.number === Number(params.number),
      );
      if (!terminal) throw notFound(`terminal ${params.number} of ${account.userId}`);
      const started = await recovery.startCertificateReissue(account, terminal, actor, body.locale);
      return {
        userId: account.userId,
        terminal: terminal.number,
        mailedTo: terminal.email,
        linkExpiresAt: started.expiresAt,
      };
    },
  });
}
