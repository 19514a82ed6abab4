/**
 * Where mail goes: an SMTP server (production), or `.eml` files in a folder with their links logged
 * (a fresh clone, so the enrollment flow works with no mail server).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  messageId: string;
}

export interface MailTransport {
  send(message: OutgoingMessage): Promise<void>;
  close?(): Promise<void>;
}

/** `permanent`: retrying will not help (5xx answer, refused recipient); otherwise try again later. */
export class MailSendError extends Error {
  readonly code = 'mail_send_failed';
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.permanent = permanent;
  }
}

export function classifySendError(error: unknown): MailSendError {
  const e = error as { responseCode?: number; code?: string; message?: string };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
  return new MailSendError(
    `${e.code ?? 'ERROR'} ${e.responseCode ?? ''} ${e.message ?? String(error)}`.replace(/\s+/g, ' ').trim(),
    permanent,
    { cause: error },
  );
}

const toNodemailer = (m: OutgoingMessage) => ({
  from: m.from,
  to: m.to,
  subject: m.subject,
  text: m.text,
  ...(m.html ? { html: m.html } : {}),
  messageId: m.messageId,
});

export function createSmtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    async send(message) {
      try {
        await transporter.sendMail(toNodemailer(message));
      } catch (error) {
        throw classifySendError(error);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

export function createFileTransport(dir: string, log: (line: string) => void): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = (await builder.sendMail(toNodemailer(message))) as { message: Buffer };
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const safe = (s: string) => s.replace(/[^a-zA-Z0-9@._-]/g, '_');
      const file = path.join(
        dir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${safe(message.to)}-${safe(message.messageId)}.eml`,
      );
      await writeFile(file, info.message, { mode: 0o600 });
      const links = [...new Set(message.text.match(/https?:\/\/\S+/g) ?? [])];
      log(
        `mail to ${message.to}: "${message.subject}" → ${file}${links.length ? ` links: ${links.join(' ')}` : ''}`,
      );
    },
  };
}
