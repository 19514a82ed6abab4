/**
 * Secret answers are compared after normalisation, so 「ミニ」 typed in full or half width, or "Mini "
 * with a stray space, still matches: NFKC, trim, inner whitespace runs collapsed, lower case.
 * Kana are not folded (hiragana vs katakana stay distinct) — people type the same script each time.
 */
export const normalizeSecretAnswer = (answer: string): string =>
  answer.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();

export const SECRET_ANSWER_MAX = 64;

export function checkSecretAnswer(
  answer: string,
): { code: 'secret_answer.empty' | 'secret_answer.too_long'; params?: Record<string, number> }[] {
  const normalized = normalizeSecretAnswer(answer);
  if (!normalized) return [{ code: 'secret_answer.empty' }];
  if ([...normalized].length > SECRET_ANSWER_MAX)
    return [{ code: 'secret_answer.too_long', params: { max: SECRET_ANSWER_MAX } }];
  return [];
}
