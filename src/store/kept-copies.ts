/**
 * How the request cache (request-cache.ts) hands a record to each reader: deep-frozen and shared, or
 * copied, so that no reader can change what is kept for the others.
 */

/** `value` and everything in it frozen (plain data: objects, arrays; dates stay as they are). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  for (const field of Object.values(value)) deepFreeze(field);
  return Object.freeze(value);
}

/**
 * A copy for each reader: records are plain data (objects, arrays, dates), copied by hand at a fraction
 * of structuredClone's cost; anything else (buffers, class instances) goes through structuredClone.
 */
export function copyOf<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  // Spread copies every own field at once (a parsed `__proto__` key stays a plain property, as
  // structuredClone keeps it); only the fields that hold objects are then replaced by their copies.
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(copy)) {
    const field = copy[key];
    if (typeof field !== 'object' || field === null) continue;
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: copyOf(field),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = copyOf(field);
  }
  return copy as T;
}
