/**
 * Logins as people make them, one simulated browser per user (bench/browser.ts): authorization
 * request → certificate → password → code, then the relying party's token exchange and userinfo.
 */
import { formOf } from '../test/helpers/browser.js';
import type { TestUser } from '../test/helpers/fixtures.js';
import type { TestRp } from '../test/helpers/rp.js';
import { BenchBrowser } from './browser.js';
import { PASSWORD } from './provision.js';
import { cpuSince, ms } from './stats.js';

export interface LoginTarget {
  rp: TestRp;
  url: string;
}

export interface BenchUser {
  user: TestUser;
  browser: BenchBrowser;
}

export function browsersFor(users: TestUser[], url: string, caPem: string): BenchUser[] {
  return users.map((user) => ({
    user,
    browser: new BenchBrowser(url, { ca: caPem, pfx: user.p12, passphrase: user.p12Password }),
  }));
}

/** One full login in a new browser session on the user's open connection; its latency in ms. */
export async function loginOnce(target: LoginTarget, { user, browser }: BenchUser): Promise<number> {
  browser.clearCookies();
  const start = process.hrtime.bigint();
  const auth = await target.rp.start();
  const page = await browser.follow(auth.url);
  const { action, csrf } = formOf(page.text);
  if (!action) throw new Error(`no login form (status ${page.status})`);
  const back = await browser.follow(new URL(action, target.url).href, {
    csrf,
    userId: user.account.userId,
    password: PASSWORD,
  });
  if (!back.location?.startsWith('https://rp.example.test/cb?code='))
    throw new Error(`login failed: ${back.status} ${back.location ?? ''}`);
  await target.rp.finish(back.location, auth);
  return ms(start);
}

export interface LoginRun {
  latencies: number[];
  seconds: number;
  /** CPU seconds the bench process (the clients and the RP) used. */
  clientCpu: number;
}

/** Every user logs in again and again until `seconds` have passed or `count` logins are done. */
export async function runLogins(
  target: LoginTarget,
  users: BenchUser[],
  until: { seconds: number } | { count: number },
): Promise<LoginRun> {
  const latencies: number[] = [];
  const deadline = 'seconds' in until ? Date.now() + until.seconds * 1000 : Infinity;
  let left = 'count' in until ? until.count : Infinity;
  const cpu = process.cpuUsage();
  const began = process.hrtime.bigint();
  await Promise.all(
    users.map(async (u) => {
      while (Date.now() < deadline && left-- > 0) latencies.push(await loginOnce(target, u));
    }),
  );
  return { latencies, seconds: ms(began) / 1000, clientCpu: cpuSince(cpu) };
}
