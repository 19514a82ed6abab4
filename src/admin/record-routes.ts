/** Admin API: certificates, the audit log and the mail outbox. */
import { notFound } from './errors.js';
import { type AdminDeps, type DefineRoute } from './route-table.js';
import * as s from './schemas.js';
import { certificateView, mailView } from './views.js';

export function recordRoutes(route: DefineRoute, deps: AdminDeps): void {
  const { store, certificates } = deps;
  route({
    method: 'post',
    path: '/certificates/:serial/revoke',
    summary: 'Revoke a certificate (it appears in the next CRL)',
    body: s.revoke,
    handler: async ({ params, body, actor, scope }) => {
      const serial = params.serial!.toLowerCase();
      if (scope !== null) {
        const certificate = await store.getCertificate(serial);
        const owner = certificate ? await store.getAccount(certificate.accountId) : null;
        if (owner?.tenantId !== scope) throw notFound(`certificate ${params.serial}`);
      }
      const revoked = await certificates.revoke(serial, body.reason, actor);
      if (!revoked) throw notFound(`certificate ${params.serial}`);
      return certificateView(revoked);
    },
  });
  route({
    method: 'get',
    path: '/audit',
    summary: 'Audit events, newest first',
    query: s.auditQuery,
    handler: async ({ query, scope }) => {
      // A tenant's key reads its own tenant's events only.
      const tenantId = scope ?? query.tenant;
      return store.listAuditEvents({
        ...(tenantId ? { tenantId } : {}),
        ...(query.account ? { accountId: query.account } : {}),
        ...(query.action ? { action: query.action } : {}),
        offset: query.offset,
        limit: query.limit,
      });
    },
  });
  route({
    method: 'get',
    path: '/mail',
    summary: 'The mail outbox (e.g. status=failed for mail that could not be delivered)',
    query: s.mailQuery,
    platformOnly: true, // mail carries no tenant, so only the platform sees the outbox
    handler: async ({ query }) => {
      const page = await store.listMail({
        ...(query.status ? { status: query.status } : {}),
        offset: query.offset,
        limit: query.limit,
      });
      return { items: page.items.map(mailView), total: page.total };
    },
  });
}
