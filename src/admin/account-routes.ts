/** Admin API: accounts — create (→ enrollment URL + one-time password), search, show, unlock, delete. */
import type { Operations } from '../operations/index.js';
import type { DefineRoute } from './route-table.js';
import * as s from './schemas.js';
import { accountView, certificateView, pageView } from './views.js';

export function accountRoutes(route: DefineRoute, { accounts, certificates, records }: Operations): void {
  route({
    method: 'post',
    path: '/tenants/:id/accounts',
    summary:
      'Create a pending account with its terminals; returns the enrollment URL and one-time password (once)',
    body: s.accountCreate,
    status: 201,
    handler: async ({ params, body, caller }) => {
      const { account, terminals, ...enrollment } = await accounts.create(caller, params.id!, body);
      return {
        account: accountView(account, terminals),
        enrollmentUrl: enrollment.enrollmentUrl,
        oneTimePassword: enrollment.oneTimePassword,
        expiresAt: enrollment.expiresAt,
      };
    },
  });
  route({
    method: 'get',
    path: '/accounts',
    summary: 'Search accounts by tenant, user ID prefix and status',
    query: s.accountQuery,
    handler: async ({ query, caller }) =>
      pageView(await accounts.search(caller, query), (a) => accountView(a)),
  });
  route({
    method: 'get',
    path: '/accounts/:userId',
    summary: 'Show an account with its terminals',
    handler: async ({ params, caller }) => {
      const { account, terminals } = await accounts.show(caller, params.userId!);
      return accountView(account, terminals);
    },
  });
  route({
    method: 'patch',
    path: '/accounts/:userId',
    summary: 'Change the display name (the profile scope’s name claim)',
    body: s.accountUpdate,
    handler: async ({ params, body, caller }) => {
      const { account, terminals } = await accounts.rename(caller, params.userId!, body.displayName);
      return accountView(account, terminals);
    },
  });
  route({
    method: 'patch',
    path: '/accounts/:userId/terminals/:number',
    summary:
      'Change a terminal’s e-mail address (e.g. one saved before addresses had to be ASCII); the current certificate keeps its address until re-issued',
    body: s.terminalUpdate,
    handler: async ({ params, body, caller }) => {
      const { account, terminals } = await accounts.changeTerminalEmail(
        caller,
        params.userId!,
        Number(params.number),
        body.email.trim(),
      );
      return accountView(account, terminals);
    },
  });
  route({
    method: 'post',
    path: '/accounts/:userId/unlock',
    summary:
      'Unlock a locked account (support desk), clearing its failure counters; 409 when it is not locked',
    handler: async ({ params, caller }) => accountView((await accounts.unlock(caller, params.userId!)).after),
  });
  route({
    method: 'post',
    path: '/accounts/:userId/enrollment',
    summary:
      'Issue a new enrollment URL and one-time password for a pending account (the old ones stop working)',
    status: 201,
    handler: ({ params, caller }) => accounts.reissueEnrollment(caller, params.userId!),
  });
  route({
    method: 'delete',
    path: '/accounts/:userId',
    summary: 'Delete an account; its certificates are revoked',
    handler: async ({ params, caller }) => ({
      deleted: (await accounts.delete(caller, params.userId!)).userId,
    }),
  });
  route({
    method: 'get',
    path: '/accounts/:userId/login-events',
    summary: 'Login history of an account, newest first',
    query: s.pageQuery,
    handler: ({ params, query, caller }) => records.loginEvents(caller, params.userId!, query),
  });
  route({
    method: 'get',
    path: '/accounts/:userId/certificates',
    summary: 'Certificates of an account',
    handler: async ({ params, caller }) => ({
      items: (await certificates.ofAccount(caller, params.userId!)).map(certificateView),
    }),
  });
  route({
    method: 'post',
    path: '/accounts/:userId/terminals/:number/certificate-reissue',
    summary:
      'Start a certificate re-issue for a terminal: mails 「証明書再発行手順のご案内」 with a single-use link',
    body: s.reissue,
    status: 202,
    handler: async ({ params, body, caller }) => {
      const started = await certificates.startReissue(
        caller,
        params.userId!,
        Number(params.number),
        body.locale,
      );
      return {
        userId: started.account.userId,
        terminal: started.terminal.number,
        mailedTo: started.terminal.email,
        linkExpiresAt: started.linkExpiresAt,
      };
    },
  });
}
