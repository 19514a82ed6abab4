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

/** OIDCProviderError's parent: Error's constructor with no frames captured. */
class StacklessError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

if (!(DONE in OIDCProviderError)) {
  if (Object.getPrototypeOf(OIDCProviderError) !== Error)
    throw new Error('oidc-provider errors.OIDCProviderError no longer extends Error directly');
  Object.setPrototypeOf(OIDCProviderError, StacklessError);
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
