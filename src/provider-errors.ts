/**
 * oidc-provider's protocol errors (its `errors` module: InvalidToken, InvalidRequest, …) built without a
 * stack trace. oidc-provider builds some eagerly as `ctx.assert` arguments — three InvalidTokens on every
 * userinfo request (lib/shared/access_token.js), none of them thrown when the token is good — and each
 * captures its stack twice (Error's constructor, then `Error.captureStackTrace(this, this.constructor)`).
 * The bare oidc-provider pays them too; in Tobira's process they were its largest item in userinfo's CPU
 * profile on Node 24. Measured there (bench/token-side.ts, before and after side by side, 4 runs): server
 * CPU per userinfo 201/184/204/192 -> 186/180/184/176 µs; introspection builds none (no change).
 *
 * Nothing is lost that anyone reads: a thrown one becomes oidc-provider's JSON or page error (name,
 * message, detail, status — unchanged); its frames would only point into oidc-provider's handlers. Every
 * other error keeps its stack: oidc-provider's `server_error` carries the original error, not one of
 * these, and `Error.captureStackTrace` is unchanged for any other target (the caller's own frames
 * first, as modules that find their caller by it expect, such as `bindings` loading better-sqlite3:
 * test/http/provider-errors.test.ts).
 *
 * Imported for its effect by provider.ts; checked at start (the class hierarchy is oidc-provider's own,
 * stable since v7).
 */
import { errors } from 'oidc-provider';

const { OIDCProviderError } = errors;
/** Set once per process: a second copy of this module (sources and build in one test run) adds nothing. */
const DONE = Symbol.for('tobira.stackless-oidc-errors');

/**
 * OIDCProviderError's parent: an ordinary constructor whose instances inherit from Error.prototype, so
 * `super()` builds a plain object and captures nothing — an Error built with `Error.stackTraceLimit` set
 * to 0 for the moment costs 0.7–1.1 µs on Node 24 (the limit's two writes), this 0.07–0.11. Still
 * `instanceof Error` (Koa's and oidc-provider's only test); `cause` as Error's constructor sets it; the
 * stack is the header V8 writes with no frames (`InvalidToken: invalid_token`), and can be replaced.
 */
function StacklessError(this: Record<string, unknown>, message?: string, options?: ErrorOptions): void {
  if (message !== undefined) define(this, 'message', String(message));
  if (options && typeof options === 'object' && 'cause' in options) define(this, 'cause', options.cause);
}
const define = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
StacklessError.prototype = Object.create(Error.prototype, {
  constructor: { value: StacklessError, writable: true, enumerable: false, configurable: true },
  stack: {
    get(this: { name?: unknown; message?: unknown }): string {
      const message = String(this.message ?? '');
      return message ? `${String(this.name)}: ${message}` : String(this.name);
    },
    set(this: object, value: unknown) {
      define(this, 'stack', value);
    },
    enumerable: false,
    configurable: true,
  },
}) as Error;
Object.setPrototypeOf(StacklessError, Error);

if (!(DONE in OIDCProviderError)) {
  if (Object.getPrototypeOf(OIDCProviderError) !== Error)
    throw new Error('oidc-provider errors.OIDCProviderError no longer extends Error directly');
  Object.setPrototypeOf(OIDCProviderError, StacklessError);
  Object.setPrototypeOf(OIDCProviderError.prototype, StacklessError.prototype);
  // The subclasses' own second capture: skipped for them alone. Any other target is captured as if
  // the caller had called V8's own function (frames from the caller's down; this wrapper left out).
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = function captureStackTrace(
    target: object,
    constructorOpt?: (...args: never[]) => unknown,
  ): void {
    if (target instanceof OIDCProviderError) return;
    capture(target, constructorOpt ?? captureStackTrace);
  };
  Object.defineProperty(OIDCProviderError, DONE, { value: true });
}
