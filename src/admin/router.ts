/**
 * The admin API (SPEC §8): JSON over HTTPS under /admin/v1, authenticated by API keys (stored as
 * SHA-256). It calls the same services as the CLI. One route table drives both the router and the
 * OpenAPI document served at /admin/v1/openapi.json.
 */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { Tobira } from '../app.js';
import { sourceIp, type ProxyTrust } from '../http/client-context.js';
import type { RateRule } from '../policy/rate-limit.js';
import { parseTenantPolicy } from '../policy/tenant-policy.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import { sha256Hex } from '../random.js';
import { clientMetadata } from '../services/clients.js';
import { EnrollmentError } from '../services/enrollment.js';
import { StoreConflictError, StoreUnavailableError } from '../store.js';
import { AdminError, notFound } from './errors.js';
import { openApiDocument, type AdminRoute } from './openapi.js';
import * as s from './schemas.js';
import { accountView, certificateView, clientView, mailView, tenantView } from './views.js';

export const ADMIN_PREFIX = '/admin/v1';

interface Call<B, Q> {
  ctx: Context;
  body: B;
  query: Q;
  params: Record<string, string>;
  /** `admin:<key id>`, for audit events. */
  actor: string;
  ip: string;
}

/** Failed authentications allowed per source IP and minute before the API answers 429. */
export const ADMIN_AUTH_FAILURES: RateRule = { name: 'admin-auth-failures', windowSeconds: 60, max: 30 };

export function adminRoutes(
  tobira: Pick<Tobira, 'store' | 'clock' | 'audit' | 'enrollment' | 'certificates' | 'recovery'>,
  trust: ProxyTrust,
  rateLimiter: RateLimiter,
): Router {
  const { store, clock, audit, enrollment, certificates, recovery } = tobira;
  const router = new Router({ prefix: ADMIN_PREFIX });
  const routes: AdminRoute[] = [];

  const accountByUserId = async (userId: string) =>
    (await store.getAccountByUserId(userId)) ?? Promise.reject(notFound(`account ${userId}`));
  const tenantById = async (id: string) =>
    (await store.getTenant(id)) ?? Promise.reject(notFound(`tenant ${id}`));

  function route<B extends z.ZodType | undefined, Q extends z.ZodType | undefined>(def: {
    method: 'get' | 'post' | 'patch' | 'delete';
    path: string;
    summary: string;
    body?: B;
    query?: Q;
    status?: number;
    handler: (
      call: Call<B extends z.ZodType ? z.infer<B> : undefined, Q extends z.ZodType ? z.infer<Q> : undefined>,
    ) => Promise<unknown>;
  }) {
    routes.push({
      method: def.method,
      path: def.path,
      summary: def.summary,
      ...(def.body ? { body: def.body } : {}),
      ...(def.query ? { query: def.query } : {}),
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
        actor: `admin:${(ctx.state as { apiKeyId: string }).apiKeyId}`,
        ip: sourceIp(ctx.req, trust),
      } as unknown as Call<never, never>;
      ctx.body = await def.handler(call);
      ctx.status = def.status ?? 200;
    });
  }

  router.use(
    errors,
    authenticate(store, clock, { rateLimiter, trust }),
    bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' }),
  );

  // ---- tenants and clients ----------------------------------------------------------------------
  route({
    method: 'get',
    path: '/tenants',
    summary: 'List tenants',
    handler: async () => ({ items: (await store.listTenants()).map(tenantView) }),
  });
  route({
    method: 'post',
    path: '/tenants',
    summary: 'Create a tenant with its policy (defaults fill the rest)',
    body: s.tenantCreate,
    status: 201,
    handler: async ({ body, actor, ip }) => {
      const tenant = await store.createTenant(
        {
          id: body.id,
          name: body.name,
          supportContact: body.supportContact,
          policy: parsePolicy(body.policy ?? {}),
        },
        clock.now(),
      );
      await audit.record({ actor, action: 'tenant.created', tenantId: tenant.id, sourceIp: ip });
      return tenantView(tenant);
    },
  });
  route({
    method: 'get',
    path: '/tenants/:id',
    summary: 'Show a tenant',
    handler: async ({ params }) => tenantView(await tenantById(params.id!)),
  });
  route({
    method: 'patch',
    path: '/tenants/:id',
    summary: 'Change a tenant’s name, support contact or policy (merged section by section)',
    body: s.tenantUpdate,
    handler: async ({ params, body, actor, ip }) => {
      const current = await tenantById(params.id!);
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
    handler: async ({ params }) => ({
      items: (await store.listClients((await tenantById(params.id!)).id)).map(clientView),
    }),
  });
  route({
    method: 'post',
    path: '/tenants/:id/clients',
    summary: 'Register a relying party; the client secret is returned once',
    body: s.clientCreate,
    status: 201,
    handler: async ({ params, body, actor, ip }) => {
      const tenant = await tenantById(params.id!);
      const clientId =
        body.clientId ?? `${tenant.id}-${sha256Hex(`${Date.now()}${Math.random()}`).slice(0, 8)}`;
      const { metadata, clientSecret } = clientMetadata({ name: body.name, redirectUris: body.redirectUris });
      const client = await store.createClient(
        { clientId, tenantId: tenant.id, metadata, firstParty: body.firstParty },
        clock.now(),
      );
      await audit.record({
        actor,
        action: 'client.created',
        tenantId: tenant.id,
        sourceIp: ip,
        details: { clientId },
      });
      return { ...clientView(client), clientSecret };
    },
  });

  // ---- accounts ---------------------------------------------------------------------------------
  route({
    method: 'post',
    path: '/tenants/:id/accounts',
    summary:
      'Create a pending account with its terminals; returns the enrollment URL and one-time password (once)',
    body: s.accountCreate,
    status: 201,
    handler: async ({ params, body, actor }) => {
      const created = await enrollment.createAccount({
        tenantId: (await tenantById(params.id!)).id,
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
    handler: async ({ query }) => {
      const page = await store.findAccounts({
        ...(query.tenant ? { tenantId: query.tenant } : {}),
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
    handler: async ({ params }) => {
      const account = await accountByUserId(params.userId!);
      return accountView(account, await store.listTerminals(account.id, { includeDeleted: true }));
    },
  });
  route({
    method: 'post',
    path: '/accounts/:userId/unlock',
    summary: 'Unlock an account (support desk), clearing its failure counters',
    handler: async ({ params, actor, ip }) => {
      const account = await accountByUserId(params.userId!);
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
    handler: async ({ params, actor }) =>
      enrollment.reissueEnrollment((await accountByUserId(params.userId!)).id, actor),
  });
  route({
    method: 'delete',
    path: '/accounts/:userId',
    summary: 'Delete an account; its certificates are revoked',
    handler: async ({ params, actor, ip }) => {
      const account = await accountByUserId(params.userId!);
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
    handler: async ({ params, query }) =>
      store.listLoginEvents({
        accountId: (await accountByUserId(params.userId!)).id,
        offset: query.offset,
        limit: query.limit,
      }),
  });
  route({
    method: 'get',
    path: '/accounts/:userId/certificates',
    summary: 'Certificates of an account',
    handler: async ({ params }) => ({
      items: (await store.listCertificates({ accountId: (await accountByUserId(params.userId!)).id })).map(
        certificateView,
      ),
    }),
  });

  route({
    method: 'post',
    path: '/accounts/:userId/terminals/:number/certificate-reissue',
    summary:
      'Start a certificate re-issue for a terminal: mails 「証明書再発行手順のご案内」 with a single-use link',
    body: s.reissue,
    status: 202,
    handler: async ({ params, body, actor }) => {
      const account = await accountByUserId(params.userId!);
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

  // ---- certificates, audit, mail ----------------------------------------------------------------
  route({
    method: 'post',
    path: '/certificates/:serial/revoke',
    summary: 'Revoke a certificate (it appears in the next CRL)',
    body: s.revoke,
    handler: async ({ params, body, actor }) => {
      const revoked = await certificates.revoke(params.serial!.toLowerCase(), body.reason, actor);
      if (!revoked) throw notFound(`certificate ${params.serial}`);
      return certificateView(revoked);
    },
  });
  route({
    method: 'get',
    path: '/audit',
    summary: 'Audit events, newest first',
    query: s.auditQuery,
    handler: async ({ query }) =>
      store.listAuditEvents({
        ...(query.tenant ? { tenantId: query.tenant } : {}),
        ...(query.account ? { accountId: query.account } : {}),
        ...(query.action ? { action: query.action } : {}),
        offset: query.offset,
        limit: query.limit,
      }),
  });
  route({
    method: 'get',
    path: '/mail',
    summary: 'The mail outbox (e.g. status=failed for mail that could not be delivered)',
    query: s.mailQuery,
    handler: async ({ query }) => {
      const page = await store.listMail({
        ...(query.status ? { status: query.status } : {}),
        offset: query.offset,
        limit: query.limit,
      });
      return { items: page.items.map(mailView), total: page.total };
    },
  });

  const document = openApiDocument(ADMIN_PREFIX, routes);
  // Public: the document describes the API, it grants nothing.
  const publicRouter = new Router();
  publicRouter.get(`${ADMIN_PREFIX}/openapi.json`, (ctx) => {
    ctx.body = document;
  });
  return new Router().use(publicRouter.routes()).use(router.routes(), router.allowedMethods());
}

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

/** API keys are random 256-bit values, so guessing is hopeless; the limit keeps scanners out of the logs. */
function authenticate(
  store: Tobira['store'],
  clock: Tobira['clock'],
  limit: { rateLimiter: RateLimiter; trust: ProxyTrust },
) {
  return async (ctx: Context, next: Next) => {
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(ctx.get('authorization'));
    const key = match ? await store.getApiKeyByHash(sha256Hex(match[1]!)) : null;
    if (!key || (key.revokedAt && key.revokedAt <= clock.now())) {
      const decision = await limit.rateLimiter.hit(ADMIN_AUTH_FAILURES, sourceIp(ctx.req, limit.trust));
      if (!decision.ok) {
        ctx.set('Retry-After', String(decision.retryAfter));
        throw new AdminError('rate_limited', 'too many requests without a valid API key; try again later');
      }
      ctx.set('WWW-Authenticate', 'Bearer realm="tobira-admin"');
      throw new AdminError('unauthorized', 'a valid admin API key is required (Authorization: Bearer <key>)');
    }
    (ctx.state as { apiKeyId: string }).apiKeyId = key.id;
    await next();
  };
}

async function errors(ctx: Context, next: Next) {
  try {
    await next();
  } catch (error) {
    const known =
      error instanceof AdminError
        ? error
        : error instanceof EnrollmentError
          ? new AdminError(
              error.code === 'enrollment.user_id_taken' ? 'conflict' : 'invalid_request',
              error.message,
              { code: error.code },
            )
          : error instanceof StoreConflictError
            ? new AdminError('conflict', `${error.field} already exists`, { field: error.field })
            : error instanceof StoreUnavailableError
              ? new AdminError('store_unavailable', 'the store is unavailable; try again shortly')
              : (error as { status?: number }).status === 400
                ? new AdminError('invalid_request', 'the request body is not valid JSON')
                : null;
    if (!known) throw error;
    ctx.status = known.status;
    ctx.body = {
      error: known.code,
      message: known.message,
      ...(known.details ? { details: known.details } : {}),
    };
  }
}
