/**
 * The admin API's route table: each route declares its method, path, summary and zod schemas once;
 * the same declaration validates requests and feeds the OpenAPI document.
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { Tobira } from '../app.js';
import { sourceIp, type ProxyTrust } from '../http/client-context.js';
import { AdminError, notFound } from './errors.js';
import type { AdminRoute } from './openapi.js';

export interface Call<B, Q> {
  ctx: Context;
  body: B;
  query: Q;
  params: Record<string, string>;
  /** `admin:<key id>`, for audit events. */
  actor: string;
  /** The tenant the key is limited to, or null for a platform key. */
  scope: string | null;
  ip: string;
}

export interface RouteDefinition<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: B;
  query?: Q;
  status?: number;
  /** Acts on the whole platform: a key limited to one tenant gets 403 forbidden. */
  platformOnly?: true;
  handler: (
    call: Call<B extends z.ZodType ? z.infer<B> : undefined, Q extends z.ZodType ? z.infer<Q> : undefined>,
  ) => Promise<unknown>;
}

export type DefineRoute = <B extends z.ZodType | undefined, Q extends z.ZodType | undefined>(
  def: RouteDefinition<B, Q>,
) => void;

export type AdminDeps = Pick<
  Tobira,
  'store' | 'clock' | 'audit' | 'enrollment' | 'certificates' | 'recovery' | 'clients'
>;

/**
 * Lookups every area needs, within the key's scope: what another tenant owns is `not_found` to a
 * tenant's key, exactly like what does not exist, so a key learns nothing about other tenants.
 */
export const lookups = (store: Tobira['store']) => ({
  accountByUserId: async (userId: string, scope: string | null) => {
    const account = await store.getAccountByUserId(userId);
    if (!account || (scope !== null && account.tenantId !== scope)) throw notFound(`account ${userId}`);
    return account;
  },
  tenantById: async (id: string, scope: string | null) => {
    const tenant = scope === null || scope === id ? await store.getTenant(id) : null;
    if (!tenant) throw notFound(`tenant ${id}`);
    return tenant;
  },
});

export function routeTable(router: Router, trust: ProxyTrust): { route: DefineRoute; routes: AdminRoute[] } {
  const routes: AdminRoute[] = [];
  const route: DefineRoute = (def) => {
    routes.push({
      method: def.method,
      path: def.path,
      summary: def.summary,
      ...(def.body ? { body: def.body } : {}),
      ...(def.query ? { query: def.query } : {}),
      ...(def.status ? { status: def.status } : {}),
    });
    router[def.method](def.path, async (ctx) => {
      const scope = (ctx.state as { apiKeyTenantId: string | null }).apiKeyTenantId;
      if (def.platformOnly && scope !== null)
        throw new AdminError(
          'forbidden',
          `this API key is limited to tenant ${scope}; this operation needs a platform key`,
        );
      const parse = (schema: z.ZodType | undefined, value: unknown, where: string) => {
        if (!schema) return undefined;
        const result = schema.safeParse(value ?? {});
        if (!result.success)
          throw new AdminError(
            'invalid_request',
            `invalid ${where}`,
            result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          );
        return result.data;
      };
      const call = {
        ctx,
        body: parse(def.body, ctx.request.body, 'request body'),
        query: parse(def.query, ctx.query, 'query'),
        params: ctx.params as Record<string, string>,
        actor: `admin:${(ctx.state as { apiKeyId: string }).apiKeyId}`,
        scope,
        ip: sourceIp(ctx.req, trust),
      } as unknown as Call<never, never>;
      ctx.body = await def.handler(call);
      ctx.status = def.status ?? 200;
    });
  };
  return { route, routes };
}
