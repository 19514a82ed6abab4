/**
 * Operator commands on a built Tobira: tenants, relying-party clients, the mail outbox and admin API
 * keys (accounts and certificates: account-commands.ts). Each turns argv into one call of the
 * operations layer, as the platform operator, and its result into lines.
 */
import { parseArgs } from 'node:util';
import type { Tobira } from '../app.js';
import { CLI_CALLER } from '../operations/index.js';
import { CLIENT_CREATE_OPTIONS, clientAuthOf } from './client-options.js';
import { UsageError, opsOf, required, type Print } from './usage.js';

export { UsageError } from './usage.js';
export { accountCreate, accountUnlock } from './account-commands.js';
export { tenantCreate, tenantShow, tenantUpdate } from './tenant-commands.js';

export async function clientCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: CLIENT_CREATE_OPTIONS });
  const tenantId = required(values, 'tenant');
  const redirectUris = values['redirect-uri'] ?? [];
  if (!redirectUris.length) throw new UsageError('--redirect-uri is required (repeat it for several)');
  const auth = clientAuthOf(values, (message) => new UsageError(message));
  const { client, clientSecret } = await opsOf(tobira).clients.register(CLI_CALLER, tenantId, {
    ...(values.id ? { clientId: values.id } : {}),
    ...(values.name ? { name: values.name } : {}),
    redirectUris,
    postLogoutRedirectUris: values['post-logout-redirect-uri'],
    pkceRequired: !values['pkce-optional'],
    auth,
    firstParty: !values['third-party'],
  });
  print(
    [
      `client_id:     ${client.clientId}`,
      clientSecret ? `client_secret: ${clientSecret}   (shown once)` : `auth method:   ${auth.method}`,
      `issuer:        ${tobira.config.issuer}`,
    ].join('\n'),
  );
}

const MAIL_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;

export async function mailList(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { status: { type: 'string' }, limit: { type: 'string', default: '50' } },
  });
  const status = values.status as (typeof MAIL_STATUSES)[number] | undefined;
  if (status && !MAIL_STATUSES.includes(status))
    throw new UsageError('--status is pending, sending, sent or failed');
  const page = await opsOf(tobira).records.mail(CLI_CALLER, { status, limit: Number(values.limit) });
  print(`${page.total} mail(s)${status ? ` ${status}` : ''}`);
  for (const m of page.items) {
    print(
      `${m.createdAt.toISOString()}  ${m.status.padEnd(7)}  attempts ${m.attempts}  ${m.template}  → ${m.to}${m.lastError ? `  (${m.lastError})` : ''}`,
    );
  }
}

export async function apiKeyCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { label: { type: 'string' }, tenant: { type: 'string' } },
  });
  const { apiKey, key } = await opsOf(tobira).apiKeys.create(CLI_CALLER, {
    label: required(values, 'label'),
    tenantId: values.tenant ?? null,
  });
  print(
    `id:  ${apiKey.id}\nkey: ${key}   (shown once; use it as "Authorization: Bearer <key>" on ${tobira.config.issuer}/admin/v1)` +
      `\nfor: ${apiKey.tenantId ? `tenant ${apiKey.tenantId} only` : 'the whole platform'}`,
  );
}

export async function apiKeyList(tobira: Tobira, _argv: string[], print: Print): Promise<void> {
  for (const k of await opsOf(tobira).apiKeys.list(CLI_CALLER))
    print(
      `${k.id}  ${k.label}  ${k.tenantId ?? '(platform)'}  created ${k.createdAt.toISOString()}${k.revokedAt ? `  revoked ${k.revokedAt.toISOString()}` : ''}`,
    );
}

export async function apiKeyRevoke(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' } } });
  const id = required(values, 'id');
  await opsOf(tobira).apiKeys.revoke(CLI_CALLER, id);
  print(`revoked ${id}`);
}
