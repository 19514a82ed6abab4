/** Debian's Chromium through playwright-core, started the way this machine needs (no downloads, no network). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Config } from '../../src/config.js';
import { startDemoRp } from '../../src/demo/relying-party.js';
import type { TenantPolicyInput } from '../../src/policy/tenant-policy.js';
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
export async function startTobiraWithDemoRp(
  tenantId: string,
  options: { config?: Partial<Config>; policy?: TenantPolicyInput } = {},
): Promise<{ t: TestTobira; rp: DemoRp }> {
  const t = await startTestTobira(options.config ? { config: options.config } : {});
  await createTenant(t.tobira, tenantId, options.policy);
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

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Run axe-core (WCAG 2.1 A/AA rules) on the page as it is now; returns the violations, worst first,
 * in a form that reads well in an assertion message.
 */
let axeSource: string | undefined;

export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the pages' strict CSP (no scripts at all) does not govern.
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Once per document: the same page measured again (another viewport width) keeps it.
  if (!(await page.evaluate<boolean>('typeof axe === "object"'))) await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))
  `);
  return violations.map(
    (v) => `${v.impact ?? '?'}: ${v.id} — ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}
