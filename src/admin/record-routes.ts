/** Admin API: certificates, the audit log and the mail outbox. */
import type { Operations } from '../operations/index.js';
import type { DefineRoute } from './route-table.js';
import * as s from './schemas.js';
import { certificateView, mailView, pageView } from './views.js';

export function recordRoutes(route: DefineRoute, { certificates, records }: Operations): void {
  route({
    method: 'post',
    path: '/certificates/:serial/revoke',
    summary: 'Revoke a certificate (it appears in the next CRL)',
    body: s.revoke,
    handler: async ({ params, body, caller }) =>
      certificateView(await certificates.revoke(caller, params.serial!, body.reason)),
  });
  route({
    method: 'get',
    path: '/terminals/non-ascii-email',
    summary:
      'Live terminals whose e-mail address is not ASCII (saved before the rule): no certificate can be issued for them until the address is changed (terminal_email_not_ascii)',
    query: s.terminalEmailQuery,
    handler: async ({ query, caller }) => ({
      items: await certificates.uncertifiableTerminals(caller, query),
    }),
  });
  route({
    method: 'get',
    path: '/audit',
    summary: 'Audit events, newest first',
    query: s.auditQuery,
    handler: ({ query, caller }) => records.auditEvents(caller, query),
  });
  route({
    method: 'get',
    path: '/mail',
    summary: 'The mail outbox (e.g. status=failed for mail that could not be delivered)',
    query: s.mailQuery,
    handler: async ({ query, caller }) => pageView(await records.mail(caller, query), mailView),
  });
}
