/** Admin API errors: a stable code, an HTTP status, a message for people. */
export type AdminErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_request'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'store_unavailable'
  | 'server_error';

const STATUS: Record<AdminErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  store_unavailable: 503,
  server_error: 500,
};

export const ADMIN_ERROR_CODES = Object.keys(STATUS) as AdminErrorCode[];

export class AdminError extends Error {
  readonly code: AdminErrorCode;
  readonly status: number;
  readonly details: unknown;
  constructor(code: AdminErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AdminError';
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
}
