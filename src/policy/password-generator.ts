/**
 * Generated secrets people copy from a screen: no look-alike characters (0/O/o, 1/l/I, 5/S, 2/Z, 8/B).
 * Pure apart from the injected `randomInt`.
 */
import { checkPassword, type PasswordContext } from './password.js';
import type { TenantPolicy } from './tenant-policy.js';

const DIGITS = '34679';
const UPPER = 'ACDEFGHJKLMNPQRTUVWXY';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const SYMBOLS = '#$%&+=?@';
const READABLE = DIGITS + UPPER + LOWER;

type RandomInt = (max: number) => number;

const pick = (alphabet: string, randomInt: RandomInt): string => alphabet[randomInt(alphabet.length)]!;

function shuffle(chars: string[], randomInt: RandomInt): string[] {
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars;
}

/** A password with every character class that passes the policy for this account. */
export function generatePassword(
  policy: TenantPolicy['password'],
  randomInt: RandomInt,
  ctx: Omit<PasswordContext, 'policy'> = { userId: '', emails: [] },
): string {
  const length = Math.min(policy.maxLength, Math.max(policy.minLength, 12));
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const chars = [
      pick(DIGITS, randomInt),
      pick(UPPER, randomInt),
      pick(LOWER, randomInt),
      pick(SYMBOLS, randomInt),
    ];
    while (chars.length < length) chars.push(pick(READABLE, randomInt));
    const candidate = shuffle(chars, randomInt).join('');
    if (checkPassword(candidate, { policy, ...ctx }).length === 0) return candidate;
  }
  throw new Error('cannot generate a password for this policy');
}

/** Enrollment one-time password: readable letters and digits. */
export const generateOneTimePassword = (randomInt: RandomInt, length = 10): string =>
  Array.from({ length }, () => pick(READABLE, randomInt)).join('');

/** Certificate download password (protects the PKCS#12): 12 readable characters, ~70 bits. */
export const generateDownloadPassword = (randomInt: RandomInt): string =>
  generateOneTimePassword(randomInt, 12);
