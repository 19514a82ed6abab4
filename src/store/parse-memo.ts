/**
 * A stored text parsed once: for records every request reads whose parse costs more than the read — a
 * tenant's policy goes through its zod schema (defaults filled in), and a login reads its tenant in
 * each of its requests. Pure: the same text always parses to the same value, so a remembered value can
 * never be stale (a changed policy is a new text). Each caller gets its own copy; a text that fails to
 * parse is not remembered. Bounded: past `max` texts the memo starts over.
 */
export function parseOnce<T>(parse: (text: string) => T, max = 512): (text: string) => T {
  const parsed = new Map<string, T>();
  return (text) => {
    let value = parsed.get(text);
    if (value === undefined) {
      value = parse(text);
      if (parsed.size >= max) parsed.clear();
      parsed.set(text, value);
    }
    return structuredClone(value);
  };
}
