/**
 * Password rules (SPEC §9, manual §2), pure. Returns every broken rule, each with a stable code whose
 * message lives in the catalogs (src/i18n/catalogs/password.ts).
 *
 * Allowed characters: half-width digits, A–Z, a–z and the ASCII symbols
 *   ! " # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \ ] ^ _ ` { | } ~
 * The manual's table prints ¥ where ASCII has \ (the JIS X 0201 rendering of 0x5C), so \ is allowed;
 * so is ¥ itself (U+00A5), what a macOS JIS keyboard types on that key. The two stay distinct
 * characters: a password set with one is not proven by typing the other.
 */
import type { TenantPolicy } from './tenant-policy.js';

export type PasswordRuleCode =
  | 'password.empty'
  | 'password.too_short'
  | 'password.too_long'
  | 'password.full_width'
  | 'password.invalid_character'
  | 'password.missing_class'
  | 'password.too_few_classes'
  | 'password.contains_user_id'
  | 'password.contains_email'
  | 'password.mismatch'
  | 'password.reused';

export interface PasswordViolation {
  code: PasswordRuleCode;
  params?: Record<string, string | number>;
}

export type CharacterClass = 'digit' | 'upper' | 'lower' | 'symbol';

export const SYMBOLS = `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~¥`;

export function classOf(ch: string): CharacterClass | null {
  if (ch >= '0' && ch <= '9') return 'digit';
  if (ch >= 'A' && ch <= 'Z') return 'upper';
  if (ch >= 'a' && ch <= 'z') return 'lower';
  if (SYMBOLS.includes(ch)) return 'symbol';
  return null;
}

/** Full-width forms (U+FF01–FF5E), the ideographic space, and anything East Asian wide. */
const FULL_WIDTH =
  /[\u3000\uFF01-\uFF60\uFFE0-\uFFE6\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF]/u;

/**
 * Local parts shorter than 3 characters are not checked: "a@…" would forbid every password with an
 * "a" and tell an attacker nothing useful anyway.
 */
const MIN_FORBIDDEN_PART = 3;

export interface PasswordContext {
  policy: TenantPolicy['password'];
  userId: string;
  emails: readonly string[];
}

export function checkPassword(password: string, ctx: PasswordContext): PasswordViolation[] {
  const { policy } = ctx;
  if (password.length === 0) return [{ code: 'password.empty' }];
  const violations: PasswordViolation[] = [];
  const chars = [...password];
  if (chars.length < policy.minLength)
    violations.push({ code: 'password.too_short', params: { min: policy.minLength } });
  if (chars.length > policy.maxLength)
    violations.push({ code: 'password.too_long', params: { max: policy.maxLength } });

  const invalid = chars.filter((c) => classOf(c) === null);
  if (invalid.some((c) => FULL_WIDTH.test(c))) violations.push({ code: 'password.full_width' });
  const otherInvalid = [...new Set(invalid.filter((c) => !FULL_WIDTH.test(c)))];
  if (otherInvalid.length) {
    // Show control characters and spaces by name rather than as invisible text.
    const shown = otherInvalid.map((c) =>
      c === ' '
        ? '(space)'
        : /[\p{Cc}\p{Cf}\p{Z}]/u.test(c)
          ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
          : c,
    );
    violations.push({ code: 'password.invalid_character', params: { chars: shown.join(' ') } });
  }

  const present = new Set(chars.map(classOf).filter((c): c is CharacterClass => c !== null));
  for (const required of policy.requiredClasses) {
    if (!present.has(required))
      violations.push({ code: 'password.missing_class', params: { class: required } });
  }
  if (present.size < policy.minClasses)
    violations.push({ code: 'password.too_few_classes', params: { min: policy.minClasses } });

  if (policy.forbidUserIdAndEmail) {
    const lower = password.toLowerCase();
    if (ctx.userId && lower.includes(ctx.userId.toLowerCase()))
      violations.push({ code: 'password.contains_user_id' });
    const parts = ctx.emails
      .map((e) => e.split('@')[0]!.toLowerCase())
      .filter((p) => p.length >= MIN_FORBIDDEN_PART);
    if (parts.some((p) => lower.includes(p))) violations.push({ code: 'password.contains_email' });
  }
  return violations;
}

export function checkPasswordConfirmation(password: string, confirmation: string): PasswordViolation[] {
  return password === confirmation ? [] : [{ code: 'password.mismatch' }];
}
