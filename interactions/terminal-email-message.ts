/**
 * What a page says when a certificate cannot be issued for a terminal because its e-mail address is
 * not ASCII (src/services/terminal-email.ts): which terminal, what to do next — change the address
 * on the account pages where the tenant lets users do that, otherwise ask the administrator — and the
 * address's ASCII form when only its domain is internationalized (offered, never applied for them).
 */
import { t, type Locale } from '../src/i18n/index.js';
import type { TerminalEmailError } from '../src/services/terminal-email.js';

export function terminalEmailParagraphs(
  locale: Locale,
  error: TerminalEmailError,
  next: { userMayChange: boolean; support: string },
): string[] {
  return [
    t(locale, 'recovery.certificate.email_not_ascii', { number: error.terminalNumber, email: error.email }),
    next.userMayChange
      ? t(locale, 'recovery.certificate.email_not_ascii.change')
      : t(locale, 'recovery.certificate.email_not_ascii.contact', { support: next.support || '—' }),
    ...(error.asciiEquivalent
      ? [t(locale, 'recovery.certificate.email_not_ascii.equivalent', { ascii: error.asciiEquivalent })]
      : []),
  ];
}
