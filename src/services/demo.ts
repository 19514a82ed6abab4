/**
 * Demo data so a fresh clone can sign in before enrollment: tenant `p-00`, a first-party client for the
 * demo relying party, an active account with one terminal and its `.p12` written to `dataDir/demo/`.
 * Idempotent: the credentials are generated once and kept in `demo/credentials.json`; the password
 * in that file is reported only while it is still the account's (the demo user may have changed it).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tobira } from '../app.js';
import { resolveDataPath } from '../config.js';
import { defaultTenantPolicy } from '../policy/tenant-policy.js';
import { generateDownloadPassword, generatePassword } from '../policy/password-generator.js';
import { newId } from '../random.js';

export interface DemoCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  userId: string;
  password: string;
  p12Path: string;
  p12Password: string;
}

/** What `ensureDemo` reports: the saved credentials, and whether their password still signs in. */
export interface DemoStatus extends DemoCredentials {
  /** False once the demo user changed the password (or it was re-issued): `password` is stale. */
  passwordCurrent: boolean;
}

export const DEMO_TENANT = 'p-00';
export const DEMO_CLIENT = 'demo-rp';
export const DEMO_USER = 'p-00-demo';

export async function ensureDemo(tobira: Tobira, options: { redirectUri: string }): Promise<DemoStatus> {
  const dir = resolveDataPath(tobira.config, 'demo');
  const file = path.join(dir, 'credentials.json');
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as DemoCredentials;
    const account = await tobira.store.getAccountByUserId(saved.userId);
    if (account) {
      const passwordCurrent =
        !!account.passwordHash && (await tobira.hasher.verify(account.passwordHash, saved.password));
      return { ...saved, passwordCurrent };
    }
  } catch {
    // first run: create everything below
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { store, clock, hasher } = tobira;
  const now = clock.now();
  const tenant =
    (await store.getTenant(DEMO_TENANT)) ??
    (await store.createTenant(
      {
        id: DEMO_TENANT,
        name: 'Demo',
        supportContact: 'demo-support@localhost',
        policy: defaultTenantPolicy(),
      },
      now,
    ));
  const { clientSecret } = await tobira.clients.register({
    tenantId: tenant.id,
    clientId: DEMO_CLIENT,
    name: 'Tobira demo relying party',
    redirectUris: [options.redirectUri],
    firstParty: true,
    actor: 'cli:demo',
    replace: true,
  });

  const password = generatePassword(tenant.policy.password, tobira.randomInt, {
    userId: DEMO_USER,
    emails: ['demo@localhost'],
  });
  const account =
    (await store.getAccountByUserId(DEMO_USER)) ??
    (await store.createAccount(
      { id: newId(), tenantId: tenant.id, userId: DEMO_USER, status: 'active', loginMethod: 'password' },
      now,
    ));
  await store.updateAccount(
    account.id,
    { status: 'active', passwordHash: await hasher.hash(password), passwordChangedAt: now },
    now,
  );
  const terminal =
    (await store.listTerminals(account.id))[0] ??
    (await store.createTerminal(
      { id: newId(), accountId: account.id, email: 'demo@localhost', type: 'pc' },
      now,
    ));
  const p12Password = generateDownloadPassword(tobira.randomInt);
  const { p12 } = await tobira.certificates.issueForTerminal({
    account: (await store.getAccount(account.id))!,
    tenant,
    terminal,
    downloadPassword: p12Password,
    downloadExpiresAt: new Date(now.getTime() + 3600_000),
    actor: 'cli:demo',
  });
  // The demo hands the .p12 over as a file, so nothing stays pending in the store.
  await store.updateTerminal(terminal.id, { pendingDownload: null }, now);
  const p12Path = path.join(dir, `${DEMO_USER}.p12`);
  await writeFile(p12Path, p12, { mode: 0o600 });
  const credentials: DemoCredentials = {
    tenantId: tenant.id,
    clientId: DEMO_CLIENT,
    clientSecret,
    redirectUri: options.redirectUri,
    userId: DEMO_USER,
    password,
    p12Path,
    p12Password,
  };
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return { ...credentials, passwordCurrent: true };
}
