/** A tenant's policy as callers send it: validated (paths named on failure) and merged section by section. */
import { z } from 'zod';
import { issueCodeOf, logoWriteIssues } from '../policy/branding.js';
import { parseTenantPolicy, type TenantPolicy } from '../policy/tenant-policy.js';
import { OperationError } from './errors.js';

export function parsePolicy(input: unknown): TenantPolicy {
  let policy: TenantPolicy;
  try {
    policy = parseTenantPolicy(input);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    // Branding and time zone refusals carry a stable code (branding.bad_colour, …) beside the path.
    throw invalid(error.issues.map((i) => ({ path: i.path, message: i.message, code: issueCodeOf(i) })));
  }
  // What the schema leaves to writes (it is parsed on every read too).
  const more = logoWriteIssues(policy.branding);
  if (more.length) throw invalid(more);
  return policy;
}

function invalid(found: { path: PropertyKey[]; message: string; code?: string | undefined }[]) {
  const issues = found.map(({ path, message, code }) => ({
    path: `policy.${path.map(String).join('.')}`,
    message,
    ...(code ? { code } : {}),
  }));
  return new OperationError(
    'tenant.invalid_policy',
    `invalid policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}

/** `{ lockout: { maxPasswordFailures: 3 } }` changes that one setting, not the whole section. */
export function mergeSections(current: object, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [section, value] of Object.entries(patch)) {
    const base = (current as Record<string, unknown>)[section];
    merged[section] =
      value && typeof value === 'object' && !Array.isArray(value) && base && typeof base === 'object'
        ? { ...base, ...value }
        : value;
  }
  return merged;
}
