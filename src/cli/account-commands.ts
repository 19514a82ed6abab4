/**
 * Operator commands on accounts and their certificates: create (→ enrollment URL and one-time
 * password), a new enrollment link, unlock, delete, certificate revoke and re-issue. The same
 * operations as the admin API's, as the platform operator.
 */
import { parseArgs } from 'node:util';
import type { Tobira } from '../app.js';
import type { TerminalType } from '../domain.js';
import { CLI_CALLER, REVOCATION_REASONS, type RevocationReason } from '../operations/index.js';
import { UsageError, opsOf, required, type Print } from './usage.js';

const localeOf = (lang: string | undefined) => (lang === 'en' ? 'en' : 'ja');

/** The enrollment URL and one-time password, once: as lines, or as JSON for scripts. */
function printEnrollment(
  print: Print,
  userId: string,
  e: { enrollmentUrl: string; oneTimePassword: string; expiresAt: Date },
  json: boolean,
): void {
  if (json) {
    const { enrollmentUrl, oneTimePassword, expiresAt } = e;
    print(JSON.stringify({ userId, enrollmentUrl, oneTimePassword, expiresAt }));
    return;
  }
  print(
    [
      `user ID:            ${userId}`,
      `enrollment URL:     ${e.enrollmentUrl}`,
      `one-time password:  ${e.oneTimePassword}   (shown once)`,
      `valid until:        ${e.expiresAt.toISOString()}`,
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
  const tenantId = required(values, 'tenant');
  const { account, ...enrollment } = await opsOf(tobira).accounts.create(CLI_CALLER, tenantId, {
    userId: required(values, 'user'),
    terminals: emails.map((email) => ({ email, type: values.type as TerminalType })),
    // Without --otp, the tenant's default (password where its policy allows it).
    ...(values.otp ? { loginMethod: 'password_otp' as const } : {}),
    ...(values.name?.trim() ? { displayName: values.name.trim() } : {}),
    sendInvitation: values['send-invitation'],
    locale: localeOf(values.lang),
  });
  printEnrollment(print, account.userId, enrollment, values.json);
}

/** `--user U`: the one option of the commands that act on one account. */
const userOf = (argv: string[]) =>
  required(parseArgs({ args: argv, options: { user: { type: 'string' } } }).values, 'user');

export async function accountEnrollment(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { user: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const userId = required(values, 'user');
  printEnrollment(
    print,
    userId,
    await opsOf(tobira).accounts.reissueEnrollment(CLI_CALLER, userId),
    values.json,
  );
}

export async function accountUnlock(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { before, after } = await opsOf(tobira).accounts.unlock(CLI_CALLER, userOf(argv));
  print(`${after.userId}: ${before.status} → ${after.status}`);
}

export async function accountDelete(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const deleted = await opsOf(tobira).accounts.delete(CLI_CALLER, userOf(argv));
  print(`deleted ${deleted.userId} (its certificates are revoked)`);
}

export async function certificateRevoke(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { serial: { type: 'string' }, reason: { type: 'string', default: 'unspecified' } },
  });
  if (!(REVOCATION_REASONS as readonly string[]).includes(values.reason))
    throw new UsageError(`--reason is one of ${REVOCATION_REASONS.join(', ')}`);
  const revoked = await opsOf(tobira).certificates.revoke(
    CLI_CALLER,
    required(values, 'serial'),
    values.reason as RevocationReason,
  );
  print(`revoked ${revoked.serial} (${revoked.revocationReason}); it is in the next CRL`);
}

/** `--terminal N`: a terminal number (1, 2, …). */
function terminalNumberOf(values: { terminal?: string }): number {
  const number = Number(required(values, 'terminal'));
  if (!Number.isInteger(number) || number < 1)
    throw new UsageError('--terminal is a terminal number (1, 2, …)');
  return number;
}

export async function certificateReissue(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { user: { type: 'string' }, terminal: { type: 'string' }, lang: { type: 'string' } },
  });
  const terminal = terminalNumberOf(values);
  const started = await opsOf(tobira).certificates.startReissue(
    CLI_CALLER,
    required(values, 'user'),
    terminal,
    localeOf(values.lang),
  );
  print(
    `re-issue link for ${started.account.userId} terminal ${started.terminal.number} mailed to ${started.terminal.email}` +
      ` (valid until ${started.linkExpiresAt.toISOString()})`,
  );
}

/**
 * `terminal non-ascii [--tenant T] [--json]`: the terminals no certificate can be issued for until
 * their address is changed (saved before addresses had to be ASCII). Read only.
 */
export async function terminalNonAscii(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { tenant: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const found = await opsOf(tobira).certificates.uncertifiableTerminals(CLI_CALLER, {
    ...(values.tenant ? { tenant: values.tenant } : {}),
  });
  if (values.json) return print(JSON.stringify({ items: found }));
  if (!found.length) return print('no terminal has a non-ASCII e-mail address');
  for (const x of found)
    print(
      `${x.tenantId}\t${x.userId}\tterminal ${x.terminal}\t${x.email}` +
        (x.asciiEquivalent ? `\t(ASCII form: ${x.asciiEquivalent})` : ''),
    );
}

/** `terminal set-email --user U --terminal N --email A`: the operator's fix for such a terminal. */
export async function terminalSetEmail(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { user: { type: 'string' }, terminal: { type: 'string' }, email: { type: 'string' } },
  });
  const number = terminalNumberOf(values);
  const email = required(values, 'email').trim();
  const { account } = await opsOf(tobira).accounts.changeTerminalEmail(
    CLI_CALLER,
    required(values, 'user'),
    number,
    email,
  );
  print(
    `${account.userId} terminal ${number}: e-mail address is now ${email} (certificates keep theirs until re-issued)`,
  );
}
