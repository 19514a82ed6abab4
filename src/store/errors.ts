/** The store's typed errors: every adapter maps its driver's errors to these at its edge. */

export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A unique constraint was violated (duplicate user ID, serial, …). `field` names it. */
export class StoreConflictError extends StoreError {
  readonly field: string;
  constructor(field: string, message = `duplicate value for ${field}`, options?: { cause?: unknown }) {
    super('store_conflict', message, options);
    this.field = field;
  }
}

/** The database cannot be reached; callers answer 503 and retry later. */
export class StoreUnavailableError extends StoreError {
  constructor(message = 'the store is unavailable', options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}
