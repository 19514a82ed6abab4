/**
 * パスワード再発行 must not tell, by its response time, whether a user ID and e-mail matched: the
 * three kinds of request are interleaved (random order within each round, so background work that
 * spills into the next request lands on every kind alike) and their medians compared with each other.
 */
import { expect } from 'chai';
import { TestBrowser, formOf } from '../helpers/browser.js';
import { createTenant, createUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const ROUNDS = 100;
const WARM_UP_ROUNDS = 5;
/** Medians may differ by this fraction of the larger one plus an absolute slack (scheduler noise). */
const RELATIVE = 0.15;
const SLACK_MS = 0.5;

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe('security: password re-issue request timing', function () {
  this.timeout(120_000);
  let t: TestTobira;
  let browser: TestBrowser;

  before(async function () {
    // Requests come "through" a trusted proxy on loopback, each from its own forwarded address, so the
    // per-IP request limit of the page never answers 429 during the measurement.
    t = await startTestTobira({ config: { trustedProxies: ['127.0.0.1'] } });
    await createTenant(t.tobira, 'p-87');
    await createUser(t.tobira, {
      tenantId: 'p-87',
      userId: 'p-87-usr001',
      password: 'Timing-Pass-87',
      email: 'timing@example.jp',
    });
    browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
  });
  after(async () => {
    browser?.close();
    await t?.close();
  });

  it('answers a matching user ID + e-mail as fast as a wrong e-mail or an unknown user ID', async function () {
    const page = await browser.request(`${t.url}/recovery/password`);
    const { action, csrf } = formOf(page.text);
    const kinds = {
      match: { userId: 'p-87-usr001', email: 'timing@example.jp' },
      wrongEmail: { userId: 'p-87-usr001', email: 'someone-else@example.jp' },
      unknownUser: { userId: 'p-87-usr999', email: 'timing@example.jp' },
    };
    const samples: Record<keyof typeof kinds, number[]> = { match: [], wrongEmail: [], unknownUser: [] };
    let seq = 0;
    const once = async (kind: keyof typeof kinds) => {
      seq += 1;
      const started = process.hrtime.bigint();
      const res = await browser.request(new URL(action, t.url).href, {
        form: { csrf, ...kinds[kind] },
        headers: { 'x-forwarded-for': `10.87.${seq >> 8}.${seq & 255}` },
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(res.status, `${kind} answers the same page`).to.equal(200);
      return ms;
    };
    for (let i = 0; i < WARM_UP_ROUNDS; i += 1)
      for (const kind of Object.keys(kinds)) await once(kind as 'match');
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = (Object.keys(kinds) as (keyof typeof kinds)[]).sort(() => Math.random() - 0.5);
      for (const kind of order) samples[kind].push(await once(kind));
    }
    const medians = Object.fromEntries(
      Object.entries(samples).map(([kind, xs]) => [kind, Number(median(xs).toFixed(2))]),
    ) as Record<keyof typeof kinds, number>;
    console.log(`      recovery request medians (ms, ${ROUNDS} each): ${JSON.stringify(medians)}`);
    for (const other of ['wrongEmail', 'unknownUser'] as const) {
      const bound = RELATIVE * Math.max(medians.match, medians[other]) + SLACK_MS;
      expect(
        Math.abs(medians.match - medians[other]),
        `match ${medians.match} ms vs ${other} ${medians[other]} ms`,
      ).to.be.at.most(bound);
    }
    // The matching requests did their real work: a mail per request is in the outbox. The lookup runs a
    // while after each response (20–100 ms), so the last requests' mail may still be on its way.
    const matching = WARM_UP_ROUNDS + ROUNDS;
    let mailed = 0;
    for (let tries = 0; tries < 40 && mailed < matching; tries += 1) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const mail = await t.tobira.store.listMail({ limit: 500 });
      mailed = mail.items.filter((m) => m.to === 'timing@example.jp').length;
    }
    expect(mailed, 'a mail per matching request').to.be.at.least(matching);
  });
});
