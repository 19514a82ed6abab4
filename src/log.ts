/**
 * Structured JSON logs, one object a line, written by pino. Callers pass ids, not values; pino's
 * `redact` is the second line of defence: every field named like a secret is censored wherever a
 * caller might put it (top level, or inside a known parent such as `details.password` or `headers.cookie`).
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Whether lines at `level` are written (a caller may skip building fields that would be dropped). */
  enabled?(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
}

/** Field names that carry a secret: passwords, one-time and TOTP codes, answers, tokens, keys, bodies. */
const SECRET_FIELDS = [
  'password newPassword currentPassword confirmation oneTimePassword downloadPassword passphrase',
  'otp totp totpSecret secret secretAnswer answer',
  'token accessToken refreshToken idToken access_token refresh_token id_token code_verifier client_assertion',
  'clientSecret client_secret authorization cookie cookies "set-cookie" csrf csrfToken _csrf privateKey key pfx',
  // mail bodies (enrollment URL + one-time password, download and recovery links) and request bodies
  'text html body',
].flatMap((names) => names.split(' '));

/** Objects a secret field may sit in one level down (pino's `*.x` wildcards cost ~30 µs a line). */
const PARENTS = 'details headers req.headers res.headers form params query input mail'.split(' ');

const member = (name: string) => (name.startsWith('"') ? `[${name}]` : `.${name}`);

/** pino redact paths: each secret field at the top level and inside each parent. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.map((name) => (name.startsWith('"') ? `[${name}]` : name)),
  ...PARENTS.flatMap((parent) => SECRET_FIELDS.map((name) => `${parent}${member(name)}`)),
  // `code` alone is also an error's code on `err`; an authorization or OTP code sits at the top or in a request's parts
  'code',
  ...PARENTS.map((parent) => `${parent}.code`),
];

/** Errors as name, message and code: stacks and error properties may quote what failed. */
function errorFields(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  return { name: err.name, message: err.message, code: (err as { code?: unknown }).code };
}

function wrap(logger: PinoLogger): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (fields) logger[level](fields, msg);
      else logger[level](msg);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(logger.child(fields)),
    enabled: (level) => logger.isLevelEnabled(level),
  };
}

/**
 * A logger at `level`. Without `write`, lines go to stdout through pino's asynchronous destination
 * (flushed at exit); with it, each line (no trailing newline) is handed to `write`, as tests and the
 * CLI (stderr) do.
 */
export function createLogger(
  level: LogLevel = 'info',
  write?: (line: string) => void,
  base: Record<string, unknown> = {},
): Logger {
  const destination: DestinationStream = write
    ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : level === 'silent'
      ? { write: () => undefined }
      : // Writes of at most PIPE_BUF bytes: workers sharing one stdout pipe never split a line shorter than
        // that (Tobira's lines are: long fields such as stacks are cut before they are logged).
        pino.destination({ dest: 1, sync: false, maxWrite: 4096 });
  const logger = pino(
    {
      level,
      base,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorFields },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    destination,
  );
  return wrap(logger);
}
