/**
 * The plumbing of the store's decorator (request-cache.ts, with the call counter of instrumented.ts as a
 * layer beneath its wrappers: one Proxy for both): a Proxy that hands out, per method, a wrapper made
 * once from the method's name and a call of it on the adapter itself (`this` is the adapter). Every role
 * of every adapter is covered, and a method added later too; a method replaced after wrapping (a test's
 * stand-in) is wrapped anew.
 */
export type MethodCall = (args: unknown[]) => unknown;
/** A decorator's layer under another's, in the same Proxy: a method's call (by its name) in, a call out. */
export type MethodWrap = (name: string, call: MethodCall) => MethodCall;

export function decorateMethods<S extends object>(
  store: S,
  wrap: (name: string, call: MethodCall) => unknown,
): S {
  // Per property, the wrapper of the method it held when wrapped.
  const wrappers = new Map<string, { method: unknown; wrapper: unknown }>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string') return value.bind(target);
      const known = wrappers.get(property);
      if (known?.method === value) return known.wrapper;
      const method = value as (...args: unknown[]) => unknown;
      const wrapper = wrap(property, (args) => method.apply(target, args));
      wrappers.set(property, { method, wrapper });
      return wrapper;
    },
  });
}
