/**
 * The `tobira` command's every command but a plain `start` (main.ts). `init` prepares keys, CA and
 * store (idempotent); `start` runs the server (with `--demo`: demo tenant, account and relying party
 * too); `demo` prints the demo credentials.
 */
import { parseArgs } from 'node:util';
import { buildTobira, type Tobira } from '../app.js';
import { createLogger } from '../log.js';
import { ensureDemo } from '../services/demo.js';
import {
  accountCreate,
  accountDelete,
  accountEnrollment,
  accountUnlock,
  certificateReissue,
  certificateRevoke,
  terminalNonAscii,
  terminalSetEmail,
} from './account-commands.js';
import {
  apiKeyCreate,
  apiKeyList,
  apiKeyRevoke,
  clientCreate,
  mailList,
  tenantCreate,
  tenantShow,
  tenantUpdate,
} from './admin-commands.js';
import { CLIENT_CREATE_USAGE } from './client-options.js';
import { TENANT_USAGE } from './tenant-commands.js';
import { printDemo } from './demo-banner.js';
import { loadCommandConfig } from './issuer-file.js';
import { backup, keysRotate } from './ops-commands.js';
import { demoRedirectUri } from './demo-rp.js';
import { start } from './start.js';
import type { Command } from './usage.js';

const USAGE = `usage: tobira <command> [options]

commands:
  init [--demo]     create keys, CA, TLS certificate and store schema (idempotent); --demo adds the demo data
  start [--demo]    start Tobira; --demo also creates the demo data and starts the demo relying party
  demo              create (once) and print the demo tenant, account and certificate
  ${TENANT_USAGE}
  ${CLIENT_CREATE_USAGE}
  account create --tenant p-01 --user p-01-usr012 [--name "山田 花子"] --email a@example.jp[,b@example.jp]
                 [--type pc|mobile|smartphone] [--otp] [--send-invitation] [--lang ja|en] [--json]
  account enrollment --user p-01-usr012 [--json]   (new enrollment URL + one-time password; pending only)
  account unlock --user p-01-usr012                 (a locked account only)
  account delete --user p-01-usr012                 (its certificates are revoked)
  certificate revoke --serial HEX [--reason keyCompromise|superseded|…]
  certificate reissue --user p-01-usr012 --terminal 1 [--lang ja|en]   (mails a single-use link)
  terminal non-ascii [--tenant p-01] [--json]   (terminals whose address no certificate can carry)
  terminal set-email --user p-01-usr012 --terminal 1 --email a@example.jp
  mail list [--status pending|sending|sent|failed] [--limit 50]
  apikey create --label ops [--tenant p-01] | apikey list | apikey revoke --id key-…   (admin API keys;
                    --tenant limits a key to that tenant)
  backup --out DIR  database (SQLite, copied online) + keys + CA, with a manifest of SHA-256 sums
  keys rotate       new signing and cookie keys; the previous ones stay valid for verification

configuration comes from TOBIRA_* environment variables (see README.md).`;

/** One-shot commands log to stderr (warnings and up by default) so their stdout stays clean for scripts. */
async function withTobira<T>(fn: (tobira: Tobira) => Promise<T>): Promise<T> {
  const config = await loadCommandConfig();
  const level = process.env.TOBIRA_LOG_LEVEL ? config.logLevel : 'warn';
  const tobira = await buildTobira(config, {
    log: createLogger(level, (line) => process.stderr.write(`${line}\n`)),
  });
  try {
    return await fn(tobira);
  } finally {
    await tobira.close();
  }
}

const ADMIN_COMMANDS: Record<string, Command> = {
  'tenant create': tenantCreate,
  'tenant update': tenantUpdate,
  'tenant show': tenantShow,
  'client create': clientCreate,
  'account create': accountCreate,
  'account enrollment': accountEnrollment,
  'account unlock': accountUnlock,
  'account delete': accountDelete,
  'certificate revoke': certificateRevoke,
  'certificate reissue': certificateReissue,
  'terminal non-ascii': terminalNonAscii,
  'terminal set-email': terminalSetEmail,
  'mail list': mailList,
  'apikey create': apiKeyCreate,
  'apikey list': apiKeyList,
  'apikey revoke': apiKeyRevoke,
  backup,
  'keys rotate': keysRotate,
};

export async function main(argv: string[]): Promise<number> {
  // Two-word commands (`tenant create`) first, then one-word ones (`backup`).
  const commandOf = (n: number) => {
    const name = argv.slice(0, n).join(' ');
    return Object.hasOwn(ADMIN_COMMANDS, name) ? ADMIN_COMMANDS[name] : undefined;
  };
  const words = commandOf(2) ? 2 : 1;
  const admin = commandOf(words);
  if (admin) {
    await withTobira(async (tobira) => {
      await admin(tobira, argv.slice(words), (line) => process.stdout.write(`${line}\n`));
      // Mail queued by the command (e.g. an invitation) goes out before the process ends.
      await tobira.outbox.runOnce();
    });
    return 0;
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'init':
      await withTobira(async (tobira) => {
        process.stdout.write(`initialised: data in ${tobira.config.dataDir}, store ${tobira.store.kind}\n`);
        if (values.demo)
          printDemo(await ensureDemo(tobira, { redirectUri: demoRedirectUri(tobira.config.demoRpPort) }), {
            tobira: tobira.config.issuer,
          });
      });
      return 0;
    case 'demo':
      await withTobira(async (tobira) => {
        printDemo(await ensureDemo(tobira, { redirectUri: demoRedirectUri(tobira.config.demoRpPort) }), {
          tobira: tobira.config.issuer,
        });
      });
      return 0;
    case 'start':
      await start(values.demo);
      return -1; // keep running
    default:
      process.stderr.write(`tobira: unknown command '${command}'\n${USAGE}\n`);
      return 2;
  }
}
