/**
 * Per-tenant policy: every 「ご契約内容により」 ("depending on the contract") option of the manual.
 * Pure: a zod schema with defaults, so a partial policy from the admin API or a config file is
 * validated and completed in one place.
 */
import { z } from 'zod';
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '../i18n/datetime.js';
import { brandingSchema } from './branding.js';

export const SECRET_QUESTION_IDS = [
  'first_car',
  'mother_maiden_name',
  'disliked_food',
  'first_pet',
  'birthplace',
  'elementary_school',
  'childhood_friend',
  'favorite_book',
] as const;
export type SecretQuestionId = (typeof SECRET_QUESTION_IDS)[number];

const passwordPolicy = z
  .object({
    /** Never below 8, whatever the contract says. */
    minLength: z.number().int().min(8).max(128).default(8),
    maxLength: z.number().int().min(8).max(128).default(32),
    /** Character classes that must each appear at least once. */
    requiredClasses: z.array(z.enum(['digit', 'upper', 'lower', 'symbol'])).default([]),
    /** Minimum number of distinct classes present (0 = no such rule). */
    minClasses: z.number().int().min(0).max(4).default(2),
    /** Reject passwords containing the user ID or an e-mail local part (case-insensitive). */
    forbidUserIdAndEmail: z.boolean().default(true),
    /** Must differ from the current and the N−1 previous passwords (at least the current one). */
    historyCount: z.number().int().min(1).max(24).default(3),
    /** Days until a password expires; 0 = never. */
    maxAgeDays: z.number().int().min(0).max(3650).default(0),
  })
  .refine((p) => p.maxLength >= p.minLength, {
    message: 'maxLength must be >= minLength',
    path: ['maxLength'],
  });

const lockoutPolicy = z.object({
  maxPasswordFailures: z.number().int().min(1).max(100).default(5),
  /** Show 「警告：あと N 回…」 after a failure. */
  showRemainingAttempts: z.boolean().default(true),
  maxSecretAnswerFailures: z.number().int().min(1).max(100).default(5),
  maxEnrollmentOtpFailures: z.number().int().min(1).max(100).default(5),
  maxDownloadPasswordFailures: z.number().int().min(1).max(100).default(5),
});

const featurePolicy = z.object({
  accountPages: z.boolean().default(true),
  passwordReissue: z.boolean().default(true),
  certificateReissue: z.boolean().default(true),
  terminalAdd: z.boolean().default(true),
  terminalChange: z.boolean().default(true),
  terminalDelete: z.boolean().default(true),
  maxTerminals: z.number().int().min(1).max(50).default(5),
  loginMethods: z
    .array(z.enum(['password', 'password_otp']))
    .min(1)
    .default(['password', 'password_otp']),
});

const certificatePolicy = z.object({
  validityDays: z.number().int().min(1).max(3650).default(397),
  keyType: z.enum(['rsa2048', 'rsa3072']).default('rsa2048'),
});

const ticketPolicy = z.object({
  /** Enrollment link + one-time password. */
  enrollmentHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
  /** Certificate download link. */
  downloadHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
  passwordReissueMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(60),
  certificateReissueHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
});

const historyPolicy = z.object({
  retentionDays: z.number().int().min(1).max(3650).default(400),
});

export const tenantPolicySchema = z.object({
  password: passwordPolicy.default(() => passwordPolicy.parse({})),
  lockout: lockoutPolicy.default(() => lockoutPolicy.parse({})),
  features: featurePolicy.default(() => featurePolicy.parse({})),
  certificates: certificatePolicy.default(() => certificatePolicy.parse({})),
  tickets: ticketPolicy.default(() => ticketPolicy.parse({})),
  history: historyPolicy.default(() => historyPolicy.parse({})),
  /** Name, logo, colours, support details, terms/privacy links on the tenant's pages (./branding.ts). */
  branding: brandingSchema.default(() => brandingSchema.parse({})),
  /** Every time shown to the tenant's users (pages and mail, either language) is in this IANA zone. */
  timeZone: z
    .string()
    .refine((name) => canonicalTimeZone(name) !== null, {
      message: 'an IANA time zone name, e.g. Asia/Tokyo',
      params: { code: 'policy.bad_time_zone' },
    })
    .transform((name) => canonicalTimeZone(name)!)
    .default(DEFAULT_TIME_ZONE),
});

export type TenantPolicy = z.infer<typeof tenantPolicySchema>;
/** What callers may give: any subset, completed with defaults. */
export type TenantPolicyInput = z.input<typeof tenantPolicySchema>;

export function parseTenantPolicy(input: unknown): TenantPolicy {
  return tenantPolicySchema.parse(input ?? {});
}

export const defaultTenantPolicy = (): TenantPolicy => parseTenantPolicy({});
