/** Debian's Chromium through playwright-core, started the way this machine needs (no downloads, no network). */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startDemoRp } from '../../src/demo/relying-party.js';
import { createClient, createTenant } from './fixtures.js';
import { freePort, startTestTobira, type TestTobira } from './tobira.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run "npm test" (its pretest step installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // Without these Chromium keeps trying to reach Google's hosts, which this closed network refuses.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Tobira, one tenant and the demo relying party (openid-client) registered as its client. */
export async function startTobiraWithDemoRp(tenantId: string): Promise<{ t: TestTobira; rp: DemoRp }> {
  const t = await startTestTobira();
  await createTenant(t.tobira, tenantId);
  const rpPort = await freePort();
  const client = await createClient(t.tobira, {
    tenantId,
    redirectUri: `http://127.0.0.1:${rpPort}/callback`,
  });
  const rp = await startDemoRp({
    issuer: t.url,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    port: rpPort,
    host: '127.0.0.1',
    caPem: t.tobira.ca.certificatePem,
  });
  return { t, rp };
}

export type DemoRp = Awaited<ReturnType<typeof startDemoRp>>;
