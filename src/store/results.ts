/** Result shapes shared by several roles. */

export interface Page<T> {
  items: T[];
  total: number;
}

/** Result of reserving one failure-counted attempt. */
export type AttemptReservation =
  /** The attempt may proceed; `count` is this attempt's number (1 … max). */
  | { ok: true; count: number }
  /** No attempt left, or the account is locked or missing: do not verify anything. */
  | { ok: false };
