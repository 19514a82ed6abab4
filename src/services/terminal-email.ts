/**
 * A terminal's e-mail address as a certificate can carry it. The address is written into the client
 * certificate's rfc822Name, an IA5String: printable ASCII only (policy/mailbox.ts has refused anything
 * else since 707825f). A terminal saved before that rule may still hold `山田@example.jp` or
 * `taro@例え.jp`; issuing for it is refused here, before a key is made or anything is written, with a
 * typed error every surface maps (account page, recovery page, admin API, CLI) instead of the bare
 * RangeError certs/client-cert.ts keeps as its own last guard.
 */
import { domainToASCII } from 'node:url';
import { isPrintableAscii } from '../policy/mailbox.js';

export const TERMINAL_EMAIL_NOT_ASCII = 'terminal_email_not_ascii';

/** The same test as clientTbs's guard: whatever passes here is accepted there. */
export const certifiableEmail = isPrintableAscii;

/**
 * The equivalent ASCII address when only the domain is internationalized: its IDNA form (xn--…).
 * Offered, never applied on its own: the address is where Tobira's mail goes and what relying parties
 * receive as the `email` claim, so a provider that rewrote it silently would change what the user and
 * the operator registered. The user (端末情報の変更) or the operator decides to switch to it.
 * Null when the local part is not ASCII (no equivalent exists: that needs SMTPUTF8) or IDNA refuses it.
 */
export function asciiEquivalentOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const local = email.slice(0, at);
  if (!certifiableEmail(local)) return null;
  const domain = domainToASCII(email.slice(at + 1));
  const candidate = `${local}@${domain}`;
  return domain && certifiableEmail(candidate) ? candidate : null;
}

export class TerminalEmailError extends Error {
  readonly code = TERMINAL_EMAIL_NOT_ASCII;
  constructor(
    readonly terminalNumber: number,
    readonly email: string,
    readonly asciiEquivalent: string | null = asciiEquivalentOf(email),
  ) {
    super(
      `terminal ${terminalNumber}'s e-mail address is not ASCII and cannot go into a certificate; ` +
        `change the terminal's address first` +
        (asciiEquivalent ? ` (its ASCII form: ${asciiEquivalent})` : ''),
    );
    this.name = 'TerminalEmailError';
  }
}

/** Throws TerminalEmailError unless the terminal's address can be written into its certificate. */
export function assertCertifiable(terminal: { number: number; email: string }): void {
  if (!certifiableEmail(terminal.email)) throw new TerminalEmailError(terminal.number, terminal.email);
}
