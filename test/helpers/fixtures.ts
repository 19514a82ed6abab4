/** Tenants, clients and active accounts with a real certificate, made through Tobira's own services. */
import * as OTPAuth from 'otpauth';
import type { Tobira } from '../../src/app.js';
import type { Account, Certificate, LoginMethod, Terminal } from '../../src/domain.js';
import { normalizeSecretAnswer } from '../../src/policy/secret-answer.js';
import { parseTenantPolicy, type TenantPolicyInput } from '../../src/policy/tenant-policy.js';
import { newId, newToken, sha256Hex } from '../../src/random.js';
import type { ClientRegistration } from '../../src/services/clients.js';
import { totpSealPurpose } from '../../src/services/totp.js';

export async function createTenant(tobira: Tobira, id: string, policy: TenantPolicyInput = {}) {
  return tobira.store.createTenant(
    {
      id,
      name: `Tenant ${id}`,
      supportContact: `support-${id}@example.jp`,
      policy: parseTenantPolicy(policy),
    },
    tobira.clock.now(),
  );
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export async function createClient(
  tobira: Tobira,
  input: {
    tenantId: string;
    redirectUri: string;
    firstParty?: boolean;
    clientId?: string;
    /** More registration fields: PKCE, post-logout URIs, client authentication. */
    more?: Partial<ClientRegistration>;
  },
): Promise<TestClient> {
  const clientId = input.clientId ?? `rp-${newToken(6)}`;
  const { clientSecret } = await tobira.clients.register({
    tenantId: input.tenantId,
    clientId,
    name: `Test RP ${clientId}`,
    redirectUris: [input.redirectUri],
    firstParty: input.firstParty ?? true,
    actor: 'test',
    ...input.more,
  });
  // '' for methods without a secret (key sets, certificates, public clients).
  return { clientId, clientSecret: clientSecret ?? '', redirectUri: input.redirectUri };
}

export interface TestUser {
  account: Account;
  terminal: Terminal;
  certificate: Certificate;
  password: string;
  p12: Buffer;
  p12Password: string;
  totp?: OTPAuth.TOTP;
}

export async function createUser(
  tobira: Tobira,
  input: {
    tenantId: string;
    userId: string;
    password: string;
    email?: string;
    loginMethod?: LoginMethod;
    withTotp?: boolean;
    mustChangePassword?: boolean;
    passwordChangedAt?: Date;
    /** The answer to the secret question 「初めて買った車は?」 (`first_car`), saved as the account page saves it. */
    secretAnswer?: string;
  },
): Promise<TestUser> {
  const { store, clock } = tobira;
  const now = clock.now();
  const account = await store.createAccount(
    {
      id: newId(),
      tenantId: input.tenantId,
      userId: input.userId,
      status: 'active',
      loginMethod: input.loginMethod ?? 'password',
    },
    now,
  );
  let totp: OTPAuth.TOTP | undefined;
  let totpSecretEnc: string | null = null;
  if (input.withTotp || input.loginMethod === 'password_otp') {
    const secret = new OTPAuth.Secret({ size: 20 });
    totp = new OTPAuth.TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' });
    totpSecretEnc = tobira.box.seal(secret.base32, totpSealPurpose(account.id));
  }
  await store.updateAccount(
    account.id,
    {
      passwordHash: await tobira.hasher.hash(input.password),
      passwordChangedAt: input.passwordChangedAt ?? now,
      mustChangePassword: input.mustChangePassword ?? false,
      totpSecretEnc,
      ...(input.secretAnswer === undefined
        ? {}
        : {
            secretQuestionId: 'first_car',
            secretAnswerHash: await tobira.hasher.hash(normalizeSecretAnswer(input.secretAnswer)),
          }),
    },
    now,
  );
  const terminal = await store.createTerminal(
    { id: newId(), accountId: account.id, email: input.email ?? `${input.userId}@example.jp`, type: 'pc' },
    now,
  );
  const tenant = (await store.getTenant(input.tenantId))!;
  const p12Password = newToken(9);
  const { certificate, p12 } = await tobira.certificates.issueForTerminal({
    account: (await store.getAccount(account.id))!,
    tenant,
    terminal,
    downloadPassword: p12Password,
    downloadExpiresAt: new Date(now.getTime() + 3600_000),
    actor: 'test',
  });
  return {
    account: (await store.getAccount(account.id))!,
    terminal: (await store.getTerminal(terminal.id))!,
    certificate,
    password: input.password,
    p12,
    p12Password,
    ...(totp ? { totp } : {}),
  };
}

/** A certificate download link for `owner`'s terminal, as the enrollment mails it: its token. */
export async function createDownloadLink(tobira: Tobira, owner: TestUser): Promise<string> {
  const token = newToken();
  await tobira.store.createTicket(
    {
      id: newId(),
      purpose: 'cert_download',
      tokenHash: sha256Hex(token),
      accountId: owner.account.id,
      terminalId: owner.terminal.id,
      secretHash: null,
      expiresAt: new Date(Date.now() + 3600_000),
    },
    tobira.clock.now(),
  );
  return token;
}
