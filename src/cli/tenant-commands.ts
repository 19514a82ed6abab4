/**
 * `tenant create` / `tenant update` / `tenant show`: a tenant's name, support desk and policy, with
 * its branding and time zone as options of their own (the same operations, and so the same checks
 * and error codes, as the admin API).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Tobira } from '../app.js';
import type { Tenant } from '../domain.js';
import { CLI_CALLER } from '../operations/index.js';
import { UsageError, opsOf, required, type Print } from './usage.js';

export const TENANT_USAGE =
  'tenant create --id p-01 --support "desk@example.jp" [--name N] [--policy JSON] [brand options]\n' +
  '  tenant update --id p-01 [--name N] [--support S] [--policy JSON] [brand options] [--remove-logo]\n' +
  '  tenant show --id p-01\n' +
  '                    brand options: --display-name N --logo FILE.png|.jpg|.webp --primary-color #rrggbb\n' +
  '                    --accent-color #rrggbb --on-primary-color #rrggbb --support-phone P --support-email E\n' +
  '                    --support-hours H --terms-url https://… --privacy-url https://… --time-zone Asia/Tokyo';

const BRAND_OPTIONS = {
  'display-name': { type: 'string' },
  logo: { type: 'string' },
  'primary-color': { type: 'string' },
  'accent-color': { type: 'string' },
  'on-primary-color': { type: 'string' },
  'support-phone': { type: 'string' },
  'support-email': { type: 'string' },
  'support-hours': { type: 'string' },
  'terms-url': { type: 'string' },
  'privacy-url': { type: 'string' },
  'time-zone': { type: 'string' },
} as const;

const COMMON_OPTIONS = {
  id: { type: 'string' },
  name: { type: 'string' },
  support: { type: 'string' },
  policy: { type: 'string' },
  ...BRAND_OPTIONS,
} as const;

const LOGO_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

type Values = Partial<Record<keyof typeof COMMON_OPTIONS | 'remove-logo', string | boolean>>;

function jsonPolicy(value: string | boolean | undefined): Record<string, unknown> {
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--policy: ${(error as Error).message}`);
  }
  throw new UsageError('--policy: a JSON object, e.g. {"lockout":{"maxPasswordFailures":3}}');
}

/** The brand options as a partial policy (only what was given), merged over --policy. */
async function policyOf(values: Values): Promise<Record<string, unknown>> {
  const policy = jsonPolicy(values.policy);
  const str = (name: keyof typeof BRAND_OPTIONS) =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const defined = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const support = defined({
    phone: str('support-phone'),
    email: str('support-email'),
    hours: str('support-hours'),
  });
  const branding = defined({
    displayName: str('display-name'),
    primaryColor: str('primary-color'),
    accentColor: str('accent-color'),
    onPrimaryColor: str('on-primary-color'),
    termsUrl: str('terms-url'),
    privacyUrl: str('privacy-url'),
    ...(Object.keys(support).length ? { support } : {}),
    ...(values['remove-logo'] ? { logo: null } : {}),
    ...(str('logo') ? { logo: await logoOf(str('logo')!) } : {}),
  });
  if (Object.keys(branding).length)
    policy.branding = { ...(policy.branding as Record<string, unknown> | undefined), ...branding };
  if (str('time-zone')) policy.timeZone = str('time-zone');
  return policy;
}

/** The file's type from its name; its size and bytes are the policy's to check. */
async function logoOf(file: string): Promise<{ contentType: string; data: string }> {
  const contentType = LOGO_TYPES[path.extname(file).toLowerCase()];
  if (!contentType) throw new UsageError('--logo: a .png, .jpg/.jpeg or .webp file');
  try {
    return { contentType, data: (await readFile(file)).toString('base64') };
  } catch (error) {
    throw new UsageError(`--logo: ${(error as Error).message}`);
  }
}

/** One line per setting an operator checks: the brand without the logo's bytes. */
function describe(tenant: Tenant): string[] {
  const { branding, timeZone } = tenant.policy;
  const logo = branding.logo
    ? `${branding.logo.contentType}, ${Buffer.byteLength(branding.logo.data, 'base64')} bytes`
    : '(none)';
  return [
    `tenant:        ${tenant.id} (${tenant.name})`,
    `support:       ${tenant.supportContact}`,
    `time zone:     ${timeZone}`,
    `display name:  ${branding.displayName ?? '(Tobira default)'}`,
    `logo:          ${logo}`,
    `colours:       primary ${branding.primaryColor ?? '-'}, accent ${branding.accentColor ?? '-'}`,
    ...(branding.support
      ? [`support desk:  ${Object.values(branding.support).filter(Boolean).join(' / ')}`]
      : []),
    ...(branding.termsUrl ? [`terms:         ${branding.termsUrl}`] : []),
    ...(branding.privacyUrl ? [`privacy:       ${branding.privacyUrl}`] : []),
  ];
}

export async function tenantCreate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: COMMON_OPTIONS });
  const id = required(values, 'id');
  const tenant = await opsOf(tobira).tenants.create(CLI_CALLER, {
    id,
    name: values.name ?? id,
    supportContact: required(values, 'support'),
    policy: await policyOf(values),
  });
  print(`tenant ${tenant.id} created`);
}

export async function tenantUpdate(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, 'remove-logo': { type: 'boolean' } },
  });
  const id = required(values, 'id');
  const policy = await policyOf(values);
  const branding = policy.branding as { support?: object } | undefined;
  // The support desk's phone / e-mail / hours change one at a time, like the other brand options.
  if (branding?.support) {
    const current = await opsOf(tobira).tenants.show(CLI_CALLER, id);
    branding.support = { ...current.policy.branding.support, ...branding.support };
  }
  const tenant = await opsOf(tobira).tenants.update(CLI_CALLER, id, {
    ...(values.name ? { name: values.name } : {}),
    ...(values.support ? { supportContact: values.support } : {}),
    ...(Object.keys(policy).length ? { policy } : {}),
  });
  print(`tenant ${tenant.id} updated`);
  for (const line of describe(tenant)) print(line);
}

export async function tenantShow(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' } } });
  for (const line of describe(await opsOf(tobira).tenants.show(CLI_CALLER, required(values, 'id'))))
    print(line);
}
