/**
 * Shared steps of the security suites (test/security/): one real Tobira per file with tenants and relying
 * parties, browsers holding real certificates, the page forms, requests an attacker crafts by hand
 * (any body, any content type) and a clock that can be moved.
 */
import https from 'node:https';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import type { TenantPolicyInput } from '../../src/policy/tenant-policy.js';
import { TestBrowser, formOf, type BrowserResponse } from './browser.js';
import { createClient, createTenant, createUser, type TestClient, type TestUser } from './fixtures.js';
import { TestRp } from './rp.js';
import { startSmtp, type TestSmtp } from './smtp.js';
import { startTestTobira, type TestTobira } from './tobira.js';

/** Real time plus an offset a test may move (certificates issued "in the past", windows passed). */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export const PASSWORD = 'Attack-Suite-Pass-1';
export const REDIRECT = 'https://rp.example.test/cb';
export const CALLBACK = /^https:\/\/rp\.example\.test\/cb\?code=/;

/** What a browser holds: Tobira's CA as trust anchor and, optionally, a client certificate. */
export interface Credentials {
  p12?: Buffer;
  p12Password?: string;
}

export interface RawResponse {
  status: number;
  text: string;
  location: string | null;
}

/** The `<main>` of a page: what differs between pages, without the layout. */
export const mainOf = (r: { text: string }): string => /<main[\s\S]*<\/main>/.exec(r.text)?.[0] ?? r.text;

/** The form of a page whose action ends with `suffix` (else the first form) and the page's CSRF token. */
export function formWith(html: string, suffix?: string): { action: string; csrf: string } {
  const actions = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  const action = suffix ? actions.find((a) => a.endsWith(suffix)) : actions[0];
  return { action: action ?? '', csrf: formOf(html).csrf };
}

export interface World {
  t: TestTobira;
  smtp: TestSmtp | null;
  clock: OffsetClock;
  browser(user?: Credentials | null): TestBrowser;
  /** A first-party relying party of the tenant, with its openid-client. */
  relyingParty(tenantId: string, redirectUri?: string): Promise<{ client: TestClient; rp: TestRp }>;
  /** An active account with a certificate; the password is PASSWORD unless given. */
  user(tenantId: string, extra?: Partial<Parameters<typeof createUser>[1]>): Promise<TestUser>;
  /** Start at the RP and follow Tobira's redirects to the interaction page. */
  openLogin(
    b: TestBrowser,
    rp: TestRp,
    extra?: Record<string, string>,
  ): Promise<{ start: Awaited<ReturnType<TestRp['start']>>; page: BrowserResponse }>;
  /** Post the page's form (the one whose action ends with `suffix`) with its CSRF token, following redirects. */
  submit(
    b: TestBrowser,
    page: BrowserResponse,
    fields: Record<string, string>,
    suffix?: string,
  ): Promise<BrowserResponse>;
  /** The account pages' own login: certificate + user ID + password, landing on アカウント管理. */
  signInAccount(b: TestBrowser, user: TestUser, password?: string): Promise<BrowserResponse>;
  /** A hand-made request with this browser's certificate and cookies: any body, any content type. */
  raw(
    b: TestBrowser,
    url: string,
    init: { method?: string; body?: string | Buffer; contentType?: string | null },
  ): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startWorld(options: {
  tenants: Record<string, TenantPolicyInput>;
  config?: Partial<Config>;
  smtp?: boolean;
}): Promise<World> {
  const clock = new OffsetClock();
  const smtp = options.smtp ? await startSmtp() : null;
  const t = await startTestTobira({
    clock,
    config: {
      // Every test browser comes from 127.0.0.1: the per-IP and per-account login limits would end the suite.
      loginRatePerIpPerMinute: 1_000_000,
      loginRatePerAccountPerMinute: 1_000_000,
      ...(smtp ? { smtpUrl: smtp.url } : {}),
      ...options.config,
    },
  });
  for (const [id, policy] of Object.entries(options.tenants)) await createTenant(t.tobira, id, policy);
  const browsers: TestBrowser[] = [];
  const agents: https.Agent[] = [];
  const credentials = new WeakMap<TestBrowser, https.Agent>();
  let seq = 0;

  const world: World = {
    t,
    smtp,
    clock,
    browser(user) {
      const options = user?.p12 ? { pfx: user.p12, passphrase: user.p12Password } : {};
      const b = new TestBrowser({ ca: t.tobira.ca.certificatePem, ...options });
      const agent = new https.Agent({ ca: t.tobira.ca.certificatePem, ...options, keepAlive: false });
      browsers.push(b);
      agents.push(agent);
      credentials.set(b, agent);
      return b;
    },
    async relyingParty(tenantId, redirectUri = REDIRECT) {
      const client = await createClient(t.tobira, { tenantId, redirectUri });
      return { client, rp: await TestRp.discover(t.url, client, t.tobira.ca.certificatePem) };
    },
    user(tenantId, extra = {}) {
      return createUser(t.tobira, {
        tenantId,
        userId: `${tenantId}-u${(seq += 1)}`,
        password: PASSWORD,
        ...extra,
      });
    },
    async openLogin(b, rp, extra = {}) {
      const start = await rp.start(extra);
      return { start, page: await b.follow(start.url, t.url) };
    },
    submit(b, page, fields, suffix) {
      const { action, csrf } = formWith(mainOf(page), suffix);
      return b.follow(new URL(action, t.url).href, t.url, { form: { csrf, ...fields } });
    },
    async signInAccount(b, user, password = user.password) {
      const login = await b.follow(`${t.url}/account`, t.url);
      return world.submit(b, login, { userId: user.account.userId, password });
    },
    raw(b, url, init) {
      const target = new URL(url);
      const headers: Record<string, string> = {
        accept: 'text/html',
        'accept-language': b.acceptLanguage,
        // A same-origin form post, as a browser sends it.
        origin: target.origin,
      };
      if (b.cookies.size) headers.cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (init.contentType) headers['content-type'] = init.contentType;
      if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
      return new Promise((resolve, reject) => {
        const req = https.request(
          target,
          { method: init.method ?? 'POST', agent: credentials.get(b)!, headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                text: Buffer.concat(chunks).toString('utf8'),
                location: res.headers.location ?? null,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(init.body);
      });
    },
    async close() {
      for (const b of browsers) b.close();
      for (const a of agents) a.destroy();
      await t.close();
      await smtp?.close();
    },
  };
  return world;
}

/** Login events of the account, newest first, as their results. */
export async function loginResults(t: TestTobira, accountId: string): Promise<string[]> {
  return (await t.tobira.store.listLoginEvents({ accountId, limit: 500 })).items.map((e) => e.result);
}

/** The single-use link (`/<kind>/<token>`) of the newest mail to `to` that has one, as delivered over SMTP. */
export async function mailedLink(w: World, to: string, kind: string): Promise<string> {
  const pattern = new RegExp(`https://\\S+/${kind}/[A-Za-z0-9_-]+`);
  for (let i = 0; i < 200; i += 1) {
    const found = (w.smtp?.messages ?? [])
      .filter((m) => (m.to as { text: string } | undefined)?.text === to)
      .map((m) => pattern.exec(m.text ?? '')?.[0])
      .filter(Boolean)
      .at(-1);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${kind} link mailed to ${to}`);
}

/** Follow redirects by hand until `stop(location)` says so or a page is returned (a test may halt before a hop). */
export async function hopUntil(
  b: TestBrowser,
  response: BrowserResponse,
  stop: (location: string) => boolean,
): Promise<BrowserResponse> {
  let current = response;
  for (let hops = 0; current.location && !stop(current.location) && hops < 10; hops += 1) {
    current = await b.request(current.location);
  }
  return current;
}

/** Copy every cookie of one browser into another (the attacker planting their cookies). */
export function plantCookies(from: TestBrowser, into: TestBrowser, names?: (name: string) => boolean): void {
  for (const [name, value] of from.cookies) if (!names || names(name)) into.cookies.set(name, value);
}

/** A pending account made by the enrollment service, with its terminal's address. */
export async function newEnrollment(w: World, tenantId: string, name: string) {
  const email = `${name}@example.jp`;
  const created = await w.t.tobira.enrollment.createAccount({
    tenantId,
    userId: `${tenantId}-${name}`,
    terminals: [{ email, type: 'pc' }],
    actor: 'test',
  });
  return { ...created, email };
}

/** The account pages' sign-in from `path`, stopped at the callback: its response carries the code and state. */
export async function accountCallback(
  w: World,
  b: TestBrowser,
  user: { account: { userId: string }; password: string },
  path = '/account',
): Promise<BrowserResponse> {
  const login = await b.follow(`${w.t.url}${path}`, w.t.url);
  const { action, csrf } = formWith(login.text);
  const posted = await b.request(new URL(action, w.t.url).href, {
    form: { csrf, userId: user.account.userId, password: user.password },
  });
  return hopUntil(b, posted, (l) => l.includes('/account/callback'));
}
