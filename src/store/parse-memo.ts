/**
 * A stored text parsed once: for records every request reads whose parse costs more than the read — a
 * tenant's policy goes through its zod schema (defaults filled in), and a login reads its tenant in
 * each of its requests. Pure: the same text always parses to the same value, so a remembered value can
 * never be stale (a changed policy is a new text). Each caller gets its own copy; a text that fails to
 * parse is not remembered. Bounded: past `max` texts the memo starts over.
 */
export function parseOnce<T>(parse: (text: string) => T, max = 512): (text: string) => T {
  const parsed = new Map<string, { value: T; copy: (value: T) => T }>();
  return (text) => {
    let entry = parsed.get(text);
    if (entry === undefined) {
      const value = parse(text);
      entry = { value, copy: isPlainData(value) ? copyPlainData : structuredClone };
      if (parsed.size >= max) parsed.clear();
      parsed.set(text, entry);
    }
    return entry.copy(entry.value);
  };
}

/**
 * Whether `value` holds only what JSON does (plain objects, arrays, primitives), so that copying it
 * field by field is a full deep copy. Checked once per parsed text; anything else (a Date, a Map, a
 * class instance, a getter) is copied by structuredClone.
 */
export function isPlainData(value: unknown): boolean {
  if (value === null || typeof value !== 'object')
    return typeof value !== 'function' && typeof value !== 'symbol';
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value)) return proto === Array.prototype && value.every(isPlainData);
  if (proto !== Object.prototype || Object.getOwnPropertySymbols(value).length) return false;
  return Object.entries(Object.getOwnPropertyDescriptors(value)).every(
    ([, d]) => d.enumerable === true && 'value' in d && isPlainData(d.value),
  );
}

/** A deep copy of plain data (see isPlainData): several times cheaper than structuredClone's serializer. */
function copyPlainData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyPlainData) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyPlainData((value as Record<string, unknown>)[key]);
  return copy as T;
}
