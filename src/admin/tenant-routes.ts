/** Admin API: tenants with their policies, and their relying parties. */
import type { z } from 'zod';
import type { ClientInput, Operations } from '../operations/index.js';
import type { DefineRoute } from './route-table.js';
import * as s from './schemas.js';
import { clientView, tenantView } from './views.js';

/** The admin API's client fields as the registry takes them. */
const clientInputOf = (body: z.infer<typeof s.clientCreate>): ClientInput => ({
  ...(body.clientId !== undefined ? { clientId: body.clientId } : {}),
  name: body.name,
  redirectUris: body.redirectUris,
  postLogoutRedirectUris: body.postLogoutRedirectUris,
  pkceRequired: body.pkceRequired,
  firstParty: body.firstParty,
  auth: {
    method: body.tokenEndpointAuthMethod,
    ...(body.jwks ? { jwks: body.jwks } : {}),
    ...(body.jwksUri !== undefined ? { jwksUri: body.jwksUri } : {}),
    ...(body.tlsClientAuth ? { tlsSubject: body.tlsClientAuth } : {}),
    certificateBoundTokens: body.certificateBoundAccessTokens,
  },
});

export function tenantRoutes(route: DefineRoute, { tenants, clients }: Operations): void {
  route({
    method: 'get',
    path: '/tenants',
    summary: 'List tenants',
    handler: async ({ caller }) => ({ items: (await tenants.list(caller)).map(tenantView) }),
  });
  route({
    method: 'post',
    path: '/tenants',
    summary: 'Create a tenant with its policy (defaults fill the rest)',
    body: s.tenantCreate,
    status: 201,
    handler: async ({ body, caller }) => tenantView(await tenants.create(caller, body)),
  });
  route({
    method: 'get',
    path: '/tenants/:id',
    summary: 'Show a tenant',
    handler: async ({ params, caller }) => tenantView(await tenants.show(caller, params.id!)),
  });
  route({
    method: 'patch',
    path: '/tenants/:id',
    summary: 'Change a tenant’s name, support contact or policy (merged section by section)',
    body: s.tenantUpdate,
    handler: async ({ params, body, caller }) => tenantView(await tenants.update(caller, params.id!, body)),
  });
  route({
    method: 'get',
    path: '/tenants/:id/clients',
    summary: 'List a tenant’s relying parties',
    handler: async ({ params, caller }) => ({
      items: (await clients.list(caller, params.id!)).map(clientView),
    }),
  });
  route({
    method: 'post',
    path: '/tenants/:id/clients',
    summary: 'Register a relying party; its client secret (secret-based methods only) is returned once',
    body: s.clientCreate,
    status: 201,
    handler: async ({ params, body, caller }) => {
      const { client, clientSecret } = await clients.register(caller, params.id!, clientInputOf(body));
      return { ...clientView(client), ...(clientSecret ? { clientSecret } : {}) };
    },
  });
}
