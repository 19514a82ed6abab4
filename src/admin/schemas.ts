/** Request bodies and queries of the admin API, as zod schemas (validated, and published as OpenAPI). */
import { z } from 'zod';
import { REVOCATION_REASONS, TENANT_ID_HINT, TENANT_ID_PATTERN } from '../operations/index.js';
import { CLIENT_AUTH_METHODS, TLS_SUBJECT_PROPERTIES } from '../policy/client-auth.js';

/**
 * The policy's sections (src/policy/tenant-policy.ts) are checked by the operations layer, which names
 * each refused path and, for branding and time zone, a stable code (branding.bad_colour, …).
 */
const policy = z
  .record(z.string(), z.unknown())
  .describe(
    'Tenant policy sections: password, lockout, features, certificates, tickets, history, ' +
      'branding {displayName, primaryColor, accentColor, onPrimaryColor (#rrggbb; text on primary needs 4.5:1), ' +
      'logo {contentType image/png|image/jpeg|image/webp, data base64 ≤ 32 KiB} (null removes it), ' +
      'support {phone, email, hours}, termsUrl, privacyUrl (https)}, timeZone (IANA, default Asia/Tokyo). ' +
      'Refusals: 400 invalid_request with details [{path, message, code?}].',
  );

export const tenantCreate = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, TENANT_ID_HINT),
  name: z.string().min(1).max(200),
  supportContact: z.string().min(1).max(500),
  policy: policy.optional(),
});

export const tenantUpdate = z.object({
  name: z.string().min(1).max(200).optional(),
  supportContact: z.string().min(1).max(500).optional(),
  /** Merged into the current policy section by section (branding key by key). */
  policy: policy.optional(),
});

export const clientCreate = z.object({
  /** `<tenant id>-<name>`; generated when absent. */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,100}$/)
    .optional(),
  name: z.string().min(1).max(200),
  /** https, or http on loopback; no fragment (policy/redirect-uri.ts says why each is refused). */
  redirectUris: z.array(z.string().min(1).max(2000)).min(1).max(20),
  /** Where RP-initiated logout may return (same rule as redirectUris); default: each redirect URI's origin + `/`. */
  postLogoutRedirectUris: z.array(z.string().min(1).max(2000)).min(1).max(20).optional(),
  firstParty: z.boolean().default(true),
  /** Client authentication; the ones this deployment offers are in discovery. */
  tokenEndpointAuthMethod: z.enum(CLIENT_AUTH_METHODS).default('client_secret_basic'),
  /** false lets a confidential client omit PKCE; public clients (`none`) always use it. */
  pkceRequired: z.boolean().default(true),
  /** Public keys: private_key_jwt, or self_signed_tls_client_auth (each key with its x5c certificate). */
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10) }).optional(),
  jwksUri: z.string().min(1).max(2000).optional(),
  /** tls_client_auth: the one subject property of the client's certificate (RFC 8705 §2.1.2). */
  tlsClientAuth: z
    .object({ property: z.enum(TLS_SUBJECT_PROPERTIES), value: z.string().min(1).max(500) })
    .optional(),
  /** RFC 8705 §3: bind access tokens to the client's TLS certificate (tls_client_certificate_bound_access_tokens). */
  certificateBoundAccessTokens: z.boolean().default(false),
});

/** The person's name as the website knows it: the `name` claim of the `profile` scope. */
const displayName = z.string().trim().min(1).max(200);

export const accountCreate = z.object({
  userId: z.string().min(1).max(128),
  displayName: displayName.optional(),
  terminals: z
    .array(z.object({ email: z.email(), type: z.enum(['pc', 'mobile', 'smartphone']).default('pc') }))
    .min(1)
    .max(50),
  /** One the tenant's policy allows (features.loginMethods); default: password where allowed, else the policy's first. */
  loginMethod: z.enum(['password', 'password_otp']).optional(),
  sendInvitation: z.boolean().default(false),
  locale: z.enum(['ja', 'en']).default('ja'),
});

export const accountUpdate = z.object({
  /** null clears it. */
  displayName: displayName.nullable(),
});

export const accountQuery = z.object({
  tenant: z.string().optional(),
  prefix: z.string().optional(),
  status: z.enum(['pending', 'active', 'locked']).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const revoke = z.object({
  reason: z.enum(REVOCATION_REASONS).default('unspecified'),
});

export const mailQuery = pageQuery.extend({
  status: z.enum(['pending', 'sending', 'sent', 'failed']).optional(),
});
export const auditQuery = pageQuery.extend({
  tenant: z.string().optional(),
  account: z.string().optional(),
  action: z.string().optional(),
});

export const terminalUpdate = z.object({ email: z.string().max(254) });

export const terminalEmailQuery = z.object({ tenant: z.string().optional() });

export const reissue = z.object({ locale: z.enum(['ja', 'en']).default('ja') });
