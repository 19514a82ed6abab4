/** A tenant's relying parties: listed and registered within the caller's scope. */
import type { OidcClientRecord } from '../domain.js';
import { idProblem } from '../policy/namespaces.js';
import { newToken } from '../random.js';
import { ClientRegistrationError, type ClientRegistration } from '../services/clients.js';
import { scopedLookups, type Caller } from './caller.js';
import type { OperationDeps } from './deps.js';

/** The registration as a caller gives it; tenant, actor and source come from the path and the caller. */
export interface ClientInput extends Omit<
  ClientRegistration,
  'tenantId' | 'clientId' | 'name' | 'actor' | 'sourceIp' | 'replace'
> {
  /** `<tenant id>-<name>`; generated when absent. */
  clientId?: string;
  /** The client ID when absent. */
  name?: string;
}

export function clientOperations(deps: OperationDeps) {
  const { store, clients } = deps;
  const scoped = scopedLookups(store);
  return {
    async list(caller: Caller, tenantId: string): Promise<OidcClientRecord[]> {
      return store.listClients((await scoped.tenant(caller, tenantId)).id);
    },

    /** The client secret (secret-based methods only) is returned here once and never again. */
    async register(
      caller: Caller,
      tenantId: string,
      input: ClientInput,
    ): Promise<{ client: OidcClientRecord; clientSecret: string | null }> {
      const tenant = await scoped.tenant(caller, tenantId);
      const clientId = input.clientId ?? `${tenant.id}-${newToken(6).toLowerCase()}`;
      // Client IDs live in the tenant's namespace, so a conflict can only be with the tenant's own
      // clients: registering never tells one tenant which client IDs another uses.
      const outside = caller.operator ? null : idProblem('client', clientId, tenant.id, [tenant.id]);
      if (outside)
        throw new ClientRegistrationError('client.id_outside_namespace', outside.message, {
          field: 'clientId',
        });
      return clients.register({
        ...input,
        tenantId: tenant.id,
        clientId,
        name: input.name ?? clientId,
        actor: caller.actor,
        sourceIp: caller.sourceIp ?? null,
      });
    },
  };
}

export type ClientOperations = ReturnType<typeof clientOperations>;
