/**
 * The demo banner `tobira start --demo`, `init --demo` and `demo` print: where things are and how to
 * sign in. The demo password is shown only while it still is the account's — once the demo user
 * changed it, the saved one would not sign in, so the banner says so instead.
 */
import type { DemoStatus } from '../services/demo.js';

const passwordLine = (demo: DemoStatus, tobira: string) =>
  demo.passwordCurrent
    ? demo.password
    : `(changed since it was generated — use the new one; forgotten: ${tobira}/recovery/password)`;

export function demoBanner(demo: DemoStatus, urls: { tobira: string; rp?: string }): string {
  const lines = [
    '',
    `  Tobira:               ${urls.tobira}`,
    ...(urls.rp ? [`  Demo relying party:   ${urls.rp}   ← open this in a browser`] : []),
    `  CA certificate:       ${urls.tobira}/ca/ca.pem`,
    `  Demo user ID:         ${demo.userId}`,
    `  Demo password:        ${passwordLine(demo, urls.tobira)}`,
    `  Client certificate:   ${demo.p12Path}`,
    `  Its import password:  ${demo.p12Password}`,
    '',
    '  Import the .p12 into your browser (and trust the CA for TLS), then sign in from the relying party.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

export const printDemo = (demo: DemoStatus, urls: { tobira: string; rp?: string }): void =>
  void process.stdout.write(demoBanner(demo, urls));
