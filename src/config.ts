/**
 * One typed, validated configuration. Sources, later wins: defaults → JSON file (`TOBIRA_CONFIG_FILE`)
 * → environment variables `TOBIRA_*`. A bad value fails start-up with one line naming the key.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

const csv = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const intList = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v),
    z.array(int(min, max)).min(1),
  );

export const configSchema = z.object({
  /**
   * Public base URL; its host name goes into the TLS server certificate. Unset: it follows the listen
   * address (`defaultIssuer`), so `TOBIRA_PORT=9443` alone gives `https://localhost:9443`.
   */
  issuer: z.url({ protocol: /^https$/ }).optional(),
  host: z.string().default('0.0.0.0'),
  port: int(0, 65535).default(8443),
  dataDir: z.string().default('var'),
  store: z.enum(['sqlite', 'mongodb']).default('sqlite'),
  sqlitePath: z.string().optional(),
  mongodbUri: z.string().optional(),
  /** Longest a MongoDB operation may take (server selection, reply) before the request fails with 503. */
  mongodbTimeoutMs: int(500, 120_000).default(10_000),
  /** 32-byte data key (base64 or hex) for secrets at rest; generated into dataDir/keys when absent. */
  dataKey: z.string().optional(),
  /** Extra host names / IPs for the generated TLS server certificate. */
  serverHostnames: csv.default([]),
  caCertFile: z.string().optional(),
  caKeyFile: z.string().optional(),
  caKeyPassphrase: z.string().optional(),
  tlsCertFile: z.string().optional(),
  tlsKeyFile: z.string().optional(),
  /** Addresses of reverse proxies whose forwarded client certificate / client IP headers are trusted. */
  trustedProxies: csv.default([]),
  proxyCertHeader: z.string().default('x-ssl-client-cert'),
  /**
   * PEM bundle of the CAs whose certificates may authenticate relying parties with RFC 8705
   * tls_client_auth (never Tobira's own CA); unset: that method is not offered.
   */
  mtlsClientCaFile: z.string().min(1).optional(),
  serviceName: z.string().default('Tobira'),
  mailFrom: z.string().default('Tobira <no-reply@localhost>'),
  /** SMTP URL (smtp://user:pass@host:587) or unset: mails are written to dataDir/mail as .eml. */
  smtpUrl: z.string().optional(),
  /** Days the outbox keeps settled (sent or failed) mail — metadata only, bodies go when settled. */
  mailRetentionDays: int(1, 3650).default(30),
  /** Days before a certificate's end at which its terminal is mailed a reminder, once each (comma separated). */
  certificateReminderDays: intList(1, 3650).default([30, 7]),
  /** Hours between the reminder job's runs (it also runs at start). */
  certificateReminderIntervalHours: int(1, 24 * 7).default(24),
  argon2MemoryKib: int(8192, 4 * 1024 * 1024).default(19456),
  argon2TimeCost: int(1, 20).default(2),
  argon2Parallelism: int(1, 16).default(1),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Cookie signing keys (comma separated); generated into dataDir/keys when absent. */
  cookieKeys: csv.optional(),
  /** Login attempts (password or OTP submissions) allowed per source IP and per account each minute. */
  loginRatePerIpPerMinute: int(1, 1_000_000).default(60),
  loginRatePerAccountPerMinute: int(1, 1_000_000).default(20),
  demoRpPort: int(0, 65535).default(3000),
  /** Bearer token for GET /metrics; unset: only scrapers on this host (not via a trusted proxy). */
  metricsToken: z.string().min(16).optional(),
  /** One JSON line per request (method, masked path, status, time, source IP) at level info. */
  accessLog: z.union([z.boolean(), z.stringbool()]).default(true),
  /** Worker processes of `tobira start` on one port (node:cluster); 1: one process, no supervisor. */
  workers: int(1, 256).default(availableParallelism()),
});

export type Config = Omit<z.infer<typeof configSchema>, 'issuer'> & { issuer: string };

/** The issuer when none is configured: https on the listen host (localhost for a wildcard) and port. */
export function defaultIssuer(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return port === 443 ? `https://${name}` : `https://${name}:${port}`;
}

/** Never echoed in an error: they end up in logs. */
const SECRET_KEYS = new Set([
  'dataKey',
  'caKeyPassphrase',
  'cookieKeys',
  'mongodbUri',
  'smtpUrl',
  'metricsToken',
]);

/** `TOBIRA_SQLITE_PATH` ↔ `sqlitePath`. */
const envName = (key: string): string => `TOBIRA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The keys set by the JSON file or the environment (not defaults): the CLI asks whether the issuer was. */
export function configuredKeys(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return new Set(Object.keys(readSources(env)));
}

function readSources(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const file = env.TOBIRA_CONFIG_FILE;
  if (file) {
    try {
      Object.assign(raw, JSON.parse(readFileSync(file, 'utf8')));
    } catch (cause) {
      throw new ConfigError(
        `cannot read config file TOBIRA_CONFIG_FILE=${file}: ${(cause as Error).message}`,
      );
    }
  }
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const raw: Record<string, unknown> = { ...readSources(env), ...overrides };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const shown = !(key in raw)
      ? '(unset)'
      : SECRET_KEYS.has(key)
        ? '(secret, not shown)'
        : JSON.stringify(raw[key]);
    throw new ConfigError(`invalid configuration ${envName(key)} (${key}) = ${shown}: ${issue.message}`);
  }
  const config = {
    ...parsed.data,
    issuer: parsed.data.issuer ?? defaultIssuer(parsed.data.host, parsed.data.port),
  };
  if (config.store === 'mongodb' && !config.mongodbUri) {
    throw new ConfigError(
      'invalid configuration TOBIRA_MONGODB_URI (mongodbUri) = (unset): required when TOBIRA_STORE=mongodb',
    );
  }
  return config;
}

export const resolveDataPath = (config: Config, ...parts: string[]): string =>
  path.resolve(config.dataDir, ...parts);

/** The SQLite database the config names: a file's absolute path, or ':memory:'. */
export function sqliteFile(config: Config): string {
  // ':memory:' is SQLite's private in-memory database, not a file name to resolve.
  if (config.sqlitePath === ':memory:') return ':memory:';
  return config.sqlitePath ? path.resolve(config.sqlitePath) : resolveDataPath(config, 'tobira.db');
}

/** Host names for the TLS server certificate: the issuer's host, localhost and loopback, plus extras. */
export function serverHostnames(config: Config): string[] {
  const issuerHost = new URL(config.issuer).hostname.replace(/^\[|\]$/g, '');
  return [...new Set([issuerHost, 'localhost', '127.0.0.1', '::1', ...config.serverHostnames])];
}

/** Documented for the README table: key → env name. */
export const CONFIG_ENV_NAMES = Object.fromEntries(
  Object.keys(configSchema.shape).map((k) => [k, envName(k)]),
);
