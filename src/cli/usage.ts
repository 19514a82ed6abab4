/** What every operator command shares: argv checks, and which errors are told in one line (exit 1). */
import type { Tobira } from '../app.js';
import { ConfigError } from '../config.js';
import { operations, OperationError, type Operations } from '../operations/index.js';
import { ClientRegistrationError } from '../services/clients.js';
import { EnrollmentError } from '../services/enrollment.js';
import { TenantCreationError } from '../services/tenants.js';
import { TerminalEmailError } from '../services/terminal-email.js';
import { StoreUnavailableError } from '../store.js';

export class UsageError extends Error {
  readonly code = 'cli_usage';
}

export type Print = (line: string) => void;

/** An operator command: the built Tobira, its arguments after the command words, a line printer. */
export type Command = (tobira: Tobira, argv: string[], print: Print) => Promise<void>;

export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The operations layer over this Tobira: the CLI only turns argv into calls and results into lines. */
export const opsOf = (tobira: Tobira): Operations => operations(tobira);

/** Refusals that explain themselves in a sentence: printed as `tobira: <message>`, exit 1, no stack. */
export const isRefusal = (error: unknown): error is Error =>
  [
    ConfigError,
    StoreUnavailableError,
    UsageError,
    OperationError,
    EnrollmentError,
    ClientRegistrationError,
    TenantCreationError,
    TerminalEmailError,
  ].some((kind) => error instanceof kind);
