/**
 * The mail a test Tobira delivered through its `.eml` transport (no SMTP URL configured). Tests read
 * links from here, as a user would from their mailbox: the outbox keeps bodies sealed until sent and
 * none after.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { readdir, readFile } from 'node:fs/promises';
import { resolveDataPath } from '../../src/config.js';
import type { TestTobira } from './tobira.js';

const addressOf = (mail: ParsedMail): string =>
  [mail.to ?? []]
    .flat()
    .map((a) => a.text)
    .join(', ');

/** Every mail delivered to `to` so far, oldest first. */
export async function deliveredTo(t: TestTobira, to: string): Promise<ParsedMail[]> {
  const dir = resolveDataPath(t.tobira.config, 'mail');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
  const mails = await Promise.all(files.map(async (f) => simpleParser(await readFile(`${dir}/${f}`))));
  return mails.filter((m) => addressOf(m) === to);
}

/** The newest `https://…/<kind>/<token>` link mailed to `to`, waiting (up to 10 s) for its delivery. */
export async function mailedLink(t: TestTobira, to: string, kind: string): Promise<string> {
  const pattern = new RegExp(`https://\\S+/${kind}/[A-Za-z0-9_-]+`);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const links = (await deliveredTo(t, to)).map((m) => pattern.exec(m.text ?? '')?.[0]).filter(Boolean);
    if (links.length > 0) return links.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${kind} link delivered to ${to}`);
}
