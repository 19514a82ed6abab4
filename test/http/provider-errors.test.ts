/**
 * oidc-provider's protocol errors carry no stack (src/provider-errors.ts: built eagerly on every token
 * request), everything else keeps its stack exactly as V8 captures it.
 */
import { expect } from 'chai';
import { errors } from 'oidc-provider';
import '../../src/provider-errors.js';

/** The frames of a stack string (the lines after its header). */
const framesOf = (stack: string | undefined) =>
  (stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));

describe('oidc-provider errors without a stack', function () {
  it('builds InvalidToken with no frames, and as before otherwise', function () {
    const error = new errors.InvalidToken('access token not found');
    expect(error).to.be.instanceOf(errors.InvalidToken);
    expect(error).to.be.instanceOf(errors.OIDCProviderError);
    expect(error).to.be.instanceOf(Error);
    expect(error.name).to.equal('InvalidToken');
    expect(error.message).to.equal('invalid_token');
    expect(error.status).to.equal(401);
    expect(error.error_description).to.equal('invalid token provided');
    expect(error.error_detail).to.equal('access token not found');
    expect(error.stack).to.equal('InvalidToken: invalid_token');
    expect(framesOf(new errors.InvalidRequest('bad').stack)).to.deep.equal([]);
    expect(String(error)).to.equal('InvalidToken: invalid_token');
    // As Error's constructor: the cause kept; a stack set later replaces the header.
    const cause = new Error('underneath');
    const wrapped = new errors.InvalidRequest('bad', 400, { cause } as never);
    expect((wrapped as { cause?: unknown }).cause).to.equal(cause);
    expect(wrapped.error_detail).to.equal('underneath');
    wrapped.stack = 'replaced';
    expect(wrapped.stack).to.equal('replaced');
  });

  it('keeps every other error’s stack, the caller’s own frame first', function () {
    function here() {
      return new Error('plain');
    }
    expect(framesOf(here().stack)[0]).to.match(/at here .*provider-errors\.test\.ts/);
    expect(framesOf(new TypeError('t').stack).length).to.be.greaterThan(0);
    // Modules that find their caller through captureStackTrace (bindings, depd) see the caller first,
    // not the wrapper in src/provider-errors.ts.
    const target: { stack?: string } = {};
    function caller() {
      Error.captureStackTrace(target);
    }
    caller();
    expect(framesOf(target.stack)[0]).to.match(/at caller .*provider-errors\.test\.ts/);
    // With a function to leave out: the frames below it only.
    const below: { stack?: string } = {};
    function outer() {
      inner();
    }
    function inner() {
      Error.captureStackTrace(below, inner);
    }
    outer();
    expect(framesOf(below.stack)[0]).to.match(/at outer .*provider-errors\.test\.ts/);
    // An error class of a library that captures its own stack keeps it.
    class LibraryError extends Error {
      constructor() {
        super('library');
        Error.captureStackTrace(this, LibraryError);
      }
    }
    expect(framesOf(new LibraryError().stack).length).to.be.greaterThan(0);
  });
});
