/**
 * The admin API's route table: each route declares its method, path, summary and zod schemas once;
 * the same declaration validates requests and feeds the OpenAPI document.
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { sourceIp, type ProxyTrust } from '../http/client-context.js';
import type { Caller } from '../operations/index.js';
import { AdminError } from './errors.js';
import type { AdminRoute } from './openapi.js';

export interface Call<B, Q> {
  ctx: Context;
  body: B;
  query: Q;
  params: Record<string, string>;
  /** `admin:<key id>`, limited to the key's tenant (or the platform), from the request's source address. */
  caller: Caller;
}

export interface RouteDefinition<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: B;
  query?: Q;
  status?: number;
  handler: (
    call: Call<B extends z.ZodType ? z.infer<B> : undefined, Q extends z.ZodType ? z.infer<Q> : undefined>,
  ) => Promise<unknown>;
}

export type DefineRoute = <B extends z.ZodType | undefined, Q extends z.ZodType | undefined>(
  def: RouteDefinition<B, Q>,
) => void;

/** Who the authenticated key is, for the operations layer (`authenticate` put the key in ctx.state). */
function callerOf(ctx: Context, trust: ProxyTrust): Caller {
  const { apiKeyId, apiKeyTenantId } = ctx.state as { apiKeyId: string; apiKeyTenantId: string | null };
  return { actor: `admin:${apiKeyId}`, scope: apiKeyTenantId, sourceIp: sourceIp(ctx.req, trust) };
}

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
        caller: callerOf(ctx, trust),
      } as unknown as Call<never, never>;
      ctx.body = await def.handler(call);
      ctx.status = def.status ?? 200;
    });
  };
  return { route, routes };
}
