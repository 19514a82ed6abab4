/**
 * Time-ordered ids for records listed newest first (login history, audit log, outbox order): a
 * UUIDv7 (RFC 9562) whose 12-bit `rand_a` field is a counter, so ids made in this process compare
 * (as strings) in creation order even within one millisecond — the tie-breaker SQLite gets from its
 * rowid. Across processes, ids of the same millisecond order arbitrarily, as their inserts do.
 */
import { randomBytes } from 'node:crypto';

const COUNTER_MAX = 0xfff;
let lastMs = 0;
let counter = 0;

export function timeOrderedId(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = 0;
  } else if (counter < COUNTER_MAX) {
    counter += 1;
  } else {
    // 4096 ids in one millisecond: borrow the next one rather than break the order.
    lastMs += 1;
    counter = 0;
  }
  const random = randomBytes(8);
  random[0] = (random[0]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex =
    lastMs.toString(16).padStart(12, '0') + (0x7000 | counter).toString(16) + random.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
