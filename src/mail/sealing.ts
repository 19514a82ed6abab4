/**
 * Mail bodies at rest. A rendered mail carries live secrets (an enrollment URL and its one-time
 * password, download and recovery links), so the outbox keeps its text and HTML sealed with the data
 * key, each part bound to the mail's id: a body copied onto another mail, or one part onto the other,
 * does not open. Only the worker opens a body, to send it; settling the mail drops it (the store).
 * The subject stays in clear: it is fixed per template and locale (test/mail checks that it takes no
 * data), and the admin listing shows it.
 */
import type { SecretBox } from '../crypto/secret-box.js';
import { SecretBoxError } from '../crypto/secret-box.js';
import type { OutboxMail } from '../domain.js';
import type { Logger } from '../log.js';
import type { MailBody, OutboxStore } from '../store.js';

export class MailBodyError extends Error {
  readonly code = 'mail_body_unreadable';
}

const purpose = (mailId: string, part: 'text' | 'html') => `mail-${part}:${mailId}`;

/**
 * SecretBox output (`v1.` + base64url) has no whitespace, while a rendered text part always ends with
 * a newline: a body that does not look sealed was stored in clear (before sealing existed).
 */
const SEALED = /^v1\.[A-Za-z0-9_-]+$/;
export const isSealedBody = (body: MailBody): boolean => SEALED.test(body.text);

export function sealMailBody(box: SecretBox, mailId: string, body: MailBody): MailBody {
  return {
    text: box.seal(body.text, purpose(mailId, 'text')),
    html: body.html === null ? null : box.seal(body.html, purpose(mailId, 'html')),
  };
}

/**
 * The body to send. A body stored in clear by an older version still on the store is sent as it is
 * (the start-up pass seals those); a missing or tampered one is a MailBodyError.
 */
export function openMailBody(box: SecretBox, mail: Pick<OutboxMail, 'id' | 'text' | 'html'>): MailBody {
  if (mail.text === null) throw new MailBodyError(`mail ${mail.id} has no body`);
  const body = { text: mail.text, html: mail.html };
  if (!isSealedBody(body)) return body;
  try {
    return {
      text: box.openText(body.text, purpose(mail.id, 'text')),
      html: body.html === null ? null : box.openText(body.html, purpose(mail.id, 'html')),
    };
  } catch (cause) {
    if (cause instanceof SecretBoxError)
      throw new MailBodyError(`mail ${mail.id}: body does not open`, { cause });
    throw cause;
  }
}

const UNSETTLED = ['pending', 'sending'] as const;
const PAGE = 100;

/**
 * For a store written before bodies were sealed (idempotent; run at start): settled mail loses its
 * body, unsettled mail stored in clear is sealed. A compare-and-set per mail, so a mail a worker
 * settles meanwhile is never given its body back. Returns the counts.
 */
export async function sealStoredMail(deps: {
  store: OutboxStore;
  box: SecretBox;
  log: Logger;
}): Promise<{ redacted: number; sealed: number }> {
  const { store, box, log } = deps;
  const redacted = await store.redactSettledMail();
  let sealed = 0;
  for (const status of UNSETTLED) {
    for (let offset = 0; ; offset += PAGE) {
      const { items } = await store.listMail({ status, offset, limit: PAGE });
      for (const mail of items) {
        if (mail.text === null) continue;
        const body = { text: mail.text, html: mail.html };
        if (isSealedBody(body)) continue;
        if (await store.replaceMailBody(mail.id, body, sealMailBody(box, mail.id, body))) sealed += 1;
      }
      if (items.length < PAGE) break;
    }
  }
  if (redacted + sealed > 0) log.info('mail stored in clear made safe', { redacted, sealed });
  return { redacted, sealed };
}
