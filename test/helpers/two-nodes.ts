/**
 * Two Tobira nodes over one store, as behind a load balancer: two real `tobira start` processes on
 * different ports sharing one data directory (keys, CA) and one store. A login hops between them at
 * every redirect; 50 concurrent wrong passwords split over both lock the account after exactly the
 * threshold; of concurrent downloads through one link on both nodes exactly one wins. The store is
 * the caller's (two-nodes*.test.ts): one SQLite file, or one MongoDB-compatible server.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config.js';
import { createHttpsFetch } from '../../src/http/https-fetch.js';
import type { Store } from '../../src/store.js';
import { formOf, TestBrowser, type BrowserResponse } from './browser.js';
import {
  createClient,
  createDownloadLink,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from './fixtures.js';
import { nodeEnv, startNode, type TobiraNode } from './processes.js';
import { TestRp } from './rp.js';
import { freePort, startTestTobira } from './tobira.js';

const REDIRECT = 'https://rp.example.test/cb';
const PASSWORD = 'Two-Nodes-Pass-2026';
const MAX_FAILURES = 5;
/** The page of a form post refused before it is judged (CSRF token or origin). */
const FORM_REFUSED = 'フォームの有効期限が切れたか';

/** The store both nodes share, made once the data directory exists. */
export interface SharedStore {
  /** Settings of the in-process Tobira that makes the records (then closes). */
  config: Partial<Config>;
  /** Environment of both `tobira start` processes. */
  env: NodeJS.ProcessEnv;
  /** A Store on it, to read what the nodes wrote (the caller closes it). */
  open(): Promise<Store>;
  /** After the suite (the data directory is removed by the suite). */
  dispose?(): Promise<void>;
}

export interface TwoNodesOptions {
  /** Says which store, e.g. `one SQLite file`. */
  over: string;
  store(dataDir: string): Promise<SharedStore>;
  /**
   * Why the lockout and download races cannot be judged on this store (shown in their names), or
   * null to run them.
   */
  racesSkipped: string | null;
}

export function twoNodesSuite(options: TwoNodesOptions): void {
  describe(`two nodes over ${options.over}`, function () {
    this.timeout(120_000);
    let dir: string;
    let ca: string;
    let shared: SharedStore | undefined;
    let nodes: TobiraNode[] = [];
    let client: TestClient;
    let rp: TestRp;
    const users: Record<'login' | 'victim' | 'download', TestUser> = {} as never;
    const browsers: TestBrowser[] = [];
    let download: { token: string; password: string; accountId: string };

    before(async function () {
      dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-two-nodes-'));
      shared = await options.store(dir);
      // Records are made in-process over the same directory and store (keys and CA made once, here).
      const setup = await startTestTobira({ dataDir: dir, config: shared.config });
      const { tobira } = setup;
      await createTenant(tobira, 'p-68', { lockout: { maxPasswordFailures: MAX_FAILURES } });
      client = await createClient(tobira, { tenantId: 'p-68', redirectUri: REDIRECT });
      for (const [name, n] of [
        ['login', 1],
        ['victim', 2],
        ['download', 3],
      ] as const)
        users[name] = await createUser(tobira, {
          tenantId: 'p-68',
          userId: `p-68-usr00${n}`,
          password: PASSWORD,
        });
      const owner = users.download;
      const token = await createDownloadLink(tobira, owner);
      download = { token, password: owner.p12Password, accountId: owner.account.id };
      ca = tobira.ca.certificatePem;
      await setup.close();

      // One issuer (the balancer's name would be); each node listens on its own port.
      const [a, b] = [await freePort(), await freePort()];
      const env = {
        ...shared.env,
        TOBIRA_ISSUER: `https://127.0.0.1:${a}`,
        TOBIRA_LOGIN_RATE_PER_IP_PER_MINUTE: '1000000',
        TOBIRA_LOGIN_RATE_PER_ACCOUNT_PER_MINUTE: '1000000',
      };
      const fetch = createHttpsFetch({ ca: await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8') });
      nodes = await Promise.all([a, b].map((port) => startNode(nodeEnv(dir, port, env), fetch)));
      nodes[1]!.url = `https://127.0.0.1:${b}`;
      rp = await TestRp.discover(nodes[0]!.url, client, ca);
    });
    after(async function () {
      for (const b of browsers) b.close();
      await Promise.all(nodes.map((n) => n.stop()));
      await shared?.dispose?.();
      await rm(dir, { recursive: true, force: true });
    });

    const browser = (user?: TestUser) => {
      const b = new TestBrowser({ ca, ...(user ? { pfx: user.p12, passphrase: user.p12Password } : {}) });
      browsers.push(b);
      return b;
    };
    const origin = (n: number) => nodes[n % 2]!.url;
    const ours = (url: string) => [origin(0), origin(1)].includes(new URL(url).origin);
    /** `url` as served by node `n` (same path, that node's origin). */
    const on = (n: number, url: string) =>
      ours(url) ? new URL(new URL(url).pathname + new URL(url).search, origin(n)).href : url;
    /**
     * Requests `url` on node `n`, then follows Tobira's redirects, each on the other node than the hop
     * before; stops at a page or at a redirect leaving Tobira (the RP's callback).
     */
    async function hop(b: TestBrowser, n: number, url: string, init?: Parameters<TestBrowser['request']>[1]) {
      let response = await b.request(on(n, url), init);
      for (let i = n + 1; response.location && ours(response.location); i += 1)
        response = await b.request(on(i, response.location));
      return response;
    }
    const post = (b: TestBrowser, n: number, page: BrowserResponse, fields: Record<string, string>) => {
      const { action, csrf } = formOf(page.text);
      // A browser only ever sees the balancer's origin: the issuer's.
      return hop(b, n, new URL(action, origin(n)).href, {
        form: { csrf, ...fields },
        headers: { origin: origin(0) },
      });
    };
    /** A race test, or a skipped one whose name says why it cannot be judged on this store. */
    const race = (name: string, test: () => Promise<void>) =>
      options.racesSkipped === null
        ? it(name, test)
        : it(`skipped: ${name} — ${options.racesSkipped}`, function () {
            this.skip();
          });

    it('logs in with every redirect on the other node: login started on one, password on the other', async function () {
      const b = browser(users.login);
      const start = await rp.start();
      const page = await hop(b, 0, start.url);
      expect(page.text).to.include('name="password"');
      const callback = await post(b, 1, page, { userId: users.login.account.userId, password: PASSWORD });
      expect(callback.location, `${callback.status} ${callback.text.slice(0, 1500)}`).to.match(
        /^https:\/\/rp\.example\.test\/cb\?code=/,
      );
      const tokens = await rp.finish(callback.location!, start);
      expect(tokens.claims.sub).to.equal(users.login.account.id);
    });

    race(
      'locks after exactly the threshold when 50 wrong passwords arrive at once on both nodes; no login succeeds',
      async function () {
        const victim = users.victim;
        const pages = await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const b = browser(victim);
            return { b, i, page: await hop(b, i, (await rp.start()).url) };
          }),
        );
        for (const { page } of pages) expect(page.text).to.include('name="password"');
        const answers = await Promise.all(
          pages.map(({ b, i, page }) =>
            post(b, i, page, { userId: victim.account.userId, password: `Wrong-${i}-Pass-2026` }),
          ),
        );
        expect(
          answers.filter((r) => r.location?.startsWith(REDIRECT)),
          'no code issued',
        ).to.have.length(0);
        expect(
          answers.filter((r) => r.text.includes(FORM_REFUSED)),
          'every post was judged',
        ).to.have.length(0);
        const store = await shared!.open();
        try {
          const account = (await store.getAccount(victim.account.id))!;
          expect(account).to.include({ status: 'locked', lockReason: 'password' });
          expect(account.failedPasswordCount, 'exactly the threshold counted').to.equal(MAX_FAILURES);
        } finally {
          await store.close();
        }
      },
    );

    race(
      'serves one download link once when 10 browsers on both nodes post the right password together',
      async function () {
        const url = `${origin(0)}/download/${download.token}`;
        const opened = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const b = browser();
            return { b, i, page: await hop(b, i, url) };
          }),
        );
        for (const { page } of opened) expect(page.status).to.equal(200);
        const answers = await Promise.all(
          opened.map(({ b, i, page }) => post(b, i, page, { password: download.password })),
        );
        const files = answers.filter((r) => String(r.headers['content-type']).includes('pkcs12'));
        expect(files, 'exactly one .p12 served').to.have.length(1);
        expect(answers.filter((r) => r.status === 200 && !files.includes(r))).to.have.length(0);
        expect(
          answers.filter((r) => r.text.includes(FORM_REFUSED)),
          'every post was judged',
        ).to.have.length(0);
      },
    );
  });
}
