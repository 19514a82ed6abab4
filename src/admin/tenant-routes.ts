/** Admin API: tenants with their policies, and their relying parties. */
import { z } from 'zod';
import { idProblem } from '../policy/namespaces.js';
import { parseTenantPolicy } from '../policy/tenant-policy.js';
import { newToken } from '../random.js';
import { ClientRegistrationError } from '../services/clients.js';
import { createTenant } from '../services/tenants.js';
import { AdminError } from './errors.js';
import { lookups, type AdminDeps, type DefineRoute } from './route-table.js';
import * as s from './schemas.js';
import { clientView, tenantView } from './views.js';

function parsePolicy(input: unknown) {
  try {
    return parseTenantPolicy(input);
  } catch (error) {
    const issues =
      error instanceof z.ZodError
        ? error.issues.map((i) => ({ path: `policy.${i.path.join('.')}`, message: i.message }))
        : undefined;
    throw new AdminError('invalid_request', 'invalid policy', issues);
  }
}

/** `{ lockout: { maxPasswordFailures: 3 } }` changes that one setting, not the whole section. */
function mergeSections(current: object, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [section, value] of Object.entries(patch)) {
    const base = (current as Record<string, unknown>)[section];
    merged[section] =
      value && typeof value === 'object' && !Array.isArray(value) && base && typeof base === 'object'
        ? { ...base, ...value }
        : value;
  }
  return merged;
}

/** The admin API's client fields as the registry takes them. */
const clientRegistrationOf = (body: z.infer<typeof s.clientCreate>) => ({
  name: body.name,
  redirectUris: body.redirectUris,
  postLogoutRedirectUris: body.postLogoutRedirectUris,
  pkceRequired: body.pkceRequired,
  auth: {
    method: body.tokenEndpointAuthMethod,
    ...(body.jwks ? { jwks: body.jwks } : {}),
    ...(body.jwksUri !== undefined ? { jwksUri: body.jwksUri } : {}),
    ...(body.tlsClientAuth ? { tlsSubject: body.tlsClientAuth } : {}),
    certificateBoundTokens: body.certificateBoundAccessTokens,
  },
});

export function tenantRoutes(route: DefineRoute, deps: AdminDeps): void {
  const { store, clock, audit, clients } = deps;
  const { tenantById } = lookups(store);
  route({
    method: 'get',
    path: '/tenants',
    summary: 'List tenants',
    handler: async ({ scope }) => ({
      items: (await store.listTenants()).filter((t) => scope === null || t.id === scope).map(tenantView),
    }),
  });
  route({
    method: 'post',
    path: '/tenants',
    summary: 'Create a tenant with its policy (defaults fill the rest)',
    body: s.tenantCreate,
    status: 201,
    platformOnly: true,
    handler: async ({ body, actor, ip }) =>
      tenantView(
        await createTenant(
          deps,
          {
            id: body.id,
            name: body.name,
            supportContact: body.supportContact,
            policy: parsePolicy(body.policy ?? {}),
          },
          { actor, sourceIp: ip },
        ),
      ),
  });
  route({
    method: 'get',
    path: '/tenants/:id',
    summary: 'Show a tenant',
    handler: async ({ params, scope }) => tenantView(await tenantById(params.id!, scope)),
  });
  route({
    method: 'patch',
    path: '/tenants/:id',
    summary: 'Change a tenant’s name, support contact or policy (merged section by section)',
    body: s.tenantUpdate,
    // The policy is the contract between the platform and the website: not the website's to change.
    platformOnly: true,
    handler: async ({ params, body, actor, ip }) => {
      const current = await tenantById(params.id!, null);
      const policy = body.policy ? parsePolicy(mergeSections(current.policy, body.policy)) : undefined;
      const updated = await store.updateTenant(
        current.id,
        {
          ...(body.name ? { name: body.name } : {}),
          ...(body.supportContact ? { supportContact: body.supportContact } : {}),
          ...(policy ? { policy } : {}),
        },
        clock.now(),
      );
      await audit.record({
        actor,
        action: 'tenant.updated',
        tenantId: current.id,
        sourceIp: ip,
        details: { fields: Object.keys(body) },
      });
      return tenantView(updated!);
    },
  });
  route({
    method: 'get',
    path: '/tenants/:id/clients',
    summary: 'List a tenant’s relying parties',
    handler: async ({ params, scope }) => ({
      items: (await store.listClients((await tenantById(params.id!, scope)).id)).map(clientView),
    }),
  });
  route({
    method: 'post',
    path: '/tenants/:id/clients',
    summary: 'Register a relying party; its client secret (secret-based methods only) is returned once',
    body: s.clientCreate,
    status: 201,
    handler: async ({ params, body, actor, ip, scope }) => {
      const tenant = await tenantById(params.id!, scope);
      // Client IDs live in the tenant's namespace, so a conflict can only be with the tenant's own
      // clients: registering never tells one tenant which client IDs another uses.
      const clientId = body.clientId ?? `${tenant.id}-${newToken(6).toLowerCase()}`;
      const outside = idProblem('client', clientId, tenant.id, [tenant.id]);
      if (outside)
        throw new ClientRegistrationError('client.id_outside_namespace', outside.message, {
          field: 'clientId',
        });
      const { client, clientSecret } = await clients.register({
        tenantId: tenant.id,
        clientId,
        ...clientRegistrationOf(body),
        firstParty: body.firstParty,
        actor,
        sourceIp: ip,
      });
      return { ...clientView(client), ...(clientSecret ? { clientSecret } : {}) };
    },
  });
}
