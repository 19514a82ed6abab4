/**
 * Operator commands on a built Tobira: tenants, relying-party clients, accounts (→ enrollment URL and
 * one-time password). The admin API (a later issue) calls the same services.
 */
import { parseArgs } from 'node:util';
import type { Tobira } from '../app.js';
import type { TerminalType } from '../domain.js';
import { parseTenantPolicy } from '../policy/tenant-policy.js';
import { newToken, sha256Hex } from '../random.js';
import { ClientRegistrationError } from '../services/clients.js';
import { CLIENT_CREATE_OPTIONS, clientAuthOf } from './client-options.js';
import { TenantCreationError, createTenant } from '../services/tenants.js';

export class UsageError extends Error {
  readonly code = 'cli_usage';
}

type Print = (line: string) => void;

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Refusals the services explain in one sentence: shown like usage errors (one line, exit 1). */
async function refusalsAsUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ClientRegistrationError || error instanceof TenantCreationError)
      throw new UsageError(error.message);
    throw error;
  }
}

export async function tenantCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      support: { type: 'string' },
      policy: { type: 'string' },
    },
  });
  const id = required(values, 'id');
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id))
    throw new UsageError('--id is lower-case letters and digits with single hyphens, e.g. p-01');
  const policy = parseTenantPolicy(values.policy ? JSON.parse(values.policy) : {});
  const tenant = await refusalsAsUsage(
    createTenant(
      tobira,
      { id, name: values.name ?? id, supportContact: required(values, 'support'), policy },
      { actor: 'cli' },
    ),
  );
  print(`tenant ${tenant.id} created`);
}

export async function clientCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: CLIENT_CREATE_OPTIONS });
  const tenantId = required(values, 'tenant');
  if (!(await tobira.store.getTenant(tenantId))) throw new UsageError(`no tenant ${tenantId}`);
  const redirectUris = values['redirect-uri'] ?? [];
  if (!redirectUris.length) throw new UsageError('--redirect-uri is required (repeat it for several)');
  const clientId = values.id ?? `${tenantId}-${newToken(6).toLowerCase()}`;
  const auth = clientAuthOf(values, (message) => new UsageError(message));
  const { clientSecret } = await refusalsAsUsage(
    tobira.clients.register({
      tenantId,
      clientId,
      name: values.name ?? clientId,
      redirectUris,
      postLogoutRedirectUris: values['post-logout-redirect-uri'],
      pkceRequired: !values['pkce-optional'],
      auth,
      firstParty: !values['third-party'],
      actor: 'cli',
    }),
  );
  print(
    [
      `client_id:     ${clientId}`,
      clientSecret ? `client_secret: ${clientSecret}   (shown once)` : `auth method:   ${auth.method}`,
      `issuer:        ${tobira.config.issuer}`,
    ].join('\n'),
  );
}

export async function accountCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string' },
      user: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string', multiple: true },
      type: { type: 'string', default: 'pc' },
      otp: { type: 'boolean', default: false },
      'send-invitation': { type: 'boolean', default: false },
      lang: { type: 'string', default: 'ja' },
      json: { type: 'boolean', default: false },
    },
  });
  const emails = (values.email ?? [])
    .flatMap((e) => e.split(','))
    .map((e) => e.trim())
    .filter(Boolean);
  if (!emails.length)
    throw new UsageError('--email is required (comma separated or repeated, one per terminal)');
  const result = await tobira.enrollment.createAccount({
    tenantId: required(values, 'tenant'),
    userId: required(values, 'user'),
    terminals: emails.map((email) => ({ email, type: values.type as TerminalType })),
    loginMethod: values.otp ? 'password_otp' : 'password',
    ...(values.name?.trim() ? { displayName: values.name.trim() } : {}),
    sendInvitation: values['send-invitation'],
    locale: values.lang === 'en' ? 'en' : 'ja',
    actor: 'cli',
  });
  if (values.json) {
    print(
      JSON.stringify({
        userId: result.account.userId,
        enrollmentUrl: result.enrollmentUrl,
        oneTimePassword: result.oneTimePassword,
        expiresAt: result.expiresAt,
      }),
    );
    return;
  }
  print(
    [
      `user ID:            ${result.account.userId}`,
      `enrollment URL:     ${result.enrollmentUrl}`,
      `one-time password:  ${result.oneTimePassword}   (shown once)`,
      `valid until:        ${result.expiresAt.toISOString()}`,
    ].join('\n'),
  );
}

export async function mailList(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { status: { type: 'string' }, limit: { type: 'string', default: '50' } },
  });
  const status = values.status as 'pending' | 'sending' | 'sent' | 'failed' | undefined;
  if (status && !['pending', 'sending', 'sent', 'failed'].includes(status))
    throw new UsageError('--status is pending, sending, sent or failed');
  const page = await tobira.store.listMail({ ...(status ? { status } : {}), limit: Number(values.limit) });
  print(`${page.total} mail(s)${status ? ` ${status}` : ''}`);
  for (const m of page.items) {
    print(
      `${m.createdAt.toISOString()}  ${m.status.padEnd(7)}  attempts ${m.attempts}  ${m.template}  → ${m.to}${m.lastError ? `  (${m.lastError})` : ''}`,
    );
  }
}

export async function accountUnlock(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { user: { type: 'string' } } });
  const account = await tobira.store.getAccountByUserId(required(values, 'user'));
  if (!account) throw new UsageError(`no account ${values.user}`);
  const unlocked = await tobira.store.unlockAccount(account.id, tobira.clock.now());
  await tobira.audit.record({
    actor: 'cli',
    action: 'account.unlocked',
    tenantId: account.tenantId,
    accountId: account.id,
    details: { previousReason: account.lockReason },
  });
  print(`${account.userId}: ${account.status} → ${unlocked!.status}`);
}

export async function apiKeyCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { label: { type: 'string' }, tenant: { type: 'string' } },
  });
  const tenantId = values.tenant ?? null;
  if (tenantId && !(await tobira.store.getTenant(tenantId))) throw new UsageError(`no tenant ${tenantId}`);
  const key = newToken(32);
  const id = `key-${newToken(6)}`;
  await tobira.store.createApiKey(
    { id, keyHash: sha256Hex(key), label: required(values, 'label'), tenantId },
    tobira.clock.now(),
  );
  await tobira.audit.record({
    actor: 'cli',
    action: 'apikey.created',
    tenantId,
    details: { id, label: values.label },
  });
  print(
    `id:  ${id}\nkey: ${key}   (shown once; use it as "Authorization: Bearer <key>" on ${tobira.config.issuer}/admin/v1)` +
      `\nfor: ${tenantId ? `tenant ${tenantId} only` : 'the whole platform'}`,
  );
}

export async function apiKeyList(tobira: Tobira, _argv: string[], print: Print): Promise<void> {
  for (const k of await tobira.store.listApiKeys())
    print(
      `${k.id}  ${k.label}  ${k.tenantId ?? '(platform)'}  created ${k.createdAt.toISOString()}${k.revokedAt ? `  revoked ${k.revokedAt.toISOString()}` : ''}`,
    );
}

export async function apiKeyRevoke(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' } } });
  if (!(await tobira.store.revokeApiKey(required(values, 'id'), tobira.clock.now())))
    throw new UsageError(`no active API key ${values.id}`);
  await tobira.audit.record({ actor: 'cli', action: 'apikey.revoked', details: { id: values.id } });
  print(`revoked ${values.id}`);
}
