/**
 * Modules that fail only because provider work in progress has not landed, with what fails. Remove an
 * entry when that work lands: the module then runs. (Empty: the provider work of issue 11 has landed.)
 */
export const PENDING_BASIC: Record<string, string> = {};
export const PENDING_FORM_POST: Record<string, string> = {};
export const PENDING_LOGOUT: Record<string, string> = {};
