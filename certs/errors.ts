export type CaErrorCode = 'ca_key_locked' | 'ca_files_invalid' | 'csr_invalid' | 'pkcs12_invalid';

export class CaError extends Error {
  readonly code: CaErrorCode;
  constructor(code: CaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaError';
    this.code = code;
  }
}
