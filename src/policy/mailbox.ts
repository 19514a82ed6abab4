/**
 * What Tobira accepts as a terminal's e-mail address. The address goes into the client certificate as
 * its rfc822Name, an IA5String (RFC 5280 §4.2.1.6): ASCII only. An internationalized address would need
 * an SmtpUTF8Mailbox otherName (RFC 8398), which the importers and TLS stacks Tobira's certificates are
 * made for do not know, so such an address is refused with a message instead of being written as
 * mangled bytes. A deliberately loose shape otherwise: one `@`, a dotted domain, no spaces or controls,
 * and the lengths of RFC 5321 (local part ≤ 64, whole address ≤ 254).
 */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Printable ASCII without spaces: what an IA5String rfc822Name can carry (the certificate's own guard). */
export const isPrintableAscii = (value: string): boolean => PRINTABLE_ASCII.test(value);

export function isMailboxAddress(value: string): boolean {
  if (value.length > 254 || !isPrintableAscii(value)) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at > 64 || value.indexOf('@') !== at) return false;
  const domain = value.slice(at + 1);
  return /^[^.]+(\.[^.]+)+$/.test(domain);
}
