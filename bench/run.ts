/**
 * Benchmarks (run with `npm run bench`; never part of `npm test`):
 *  1. argon2id verify time at the configured parameters — the physical floor of a password login;
 *  2. end-to-end login throughput and latency with N concurrent clients over real HTTPS with client
 *     certificates (authorization request → interaction → password → code → token exchange).
 * Options: --clients 2 --seconds 15 --verifies 40
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { PasswordHasher } from '../src/crypto/password-hasher.js';
import { TestBrowser, formOf } from '../test/helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../test/helpers/fixtures.js';
import { TestRp } from '../test/helpers/rp.js';
import { startTestTobira } from '../test/helpers/tobira.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '15' },
    verifies: { type: 'string', default: '40' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `mean ${mean.toFixed(1)} ms, p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (n=${samples.length})`;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);

// 1. argon2id verify
const hasher = new PasswordHasher();
const hash = await hasher.hash('Bench-Password-1');
const verifyTimes: number[] = [];
for (let i = 0; i < Number(values.verifies); i += 1) {
  const start = process.hrtime.bigint();
  await hasher.verify(hash, 'Bench-Password-1');
  verifyTimes.push(ms(start));
}
console.log(`argon2id verify (m=19456 KiB, t=2, p=1), sequential: ${summary(verifyTimes)}`);
const parallel = process.hrtime.bigint();
await Promise.all(Array.from({ length: 40 }, () => hasher.verify(hash, 'Bench-Password-1')));
const parallelMs = ms(parallel);
console.log(
  `argon2id verify, 40 at once on the libuv pool: ${(40 / (parallelMs / 1000)).toFixed(1)} verifies/s — the ceiling for password logins on this machine`,
);

// 2. login throughput
const t = await startTestTobira({
  config: { loginRatePerIpPerMinute: 1_000_000, loginRatePerAccountPerMinute: 1_000_000 },
});
await createTenant(t.tobira, 'p-90', { lockout: { maxPasswordFailures: 100 } });
const client = await createClient(t.tobira, { tenantId: 'p-90', redirectUri: 'https://rp.example.test/cb' });
const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
const users: TestUser[] = [];
for (let i = 0; i < clients; i += 1)
  users.push(
    await createUser(t.tobira, { tenantId: 'p-90', userId: `p-90-bench${i}`, password: 'Bench-Password-1' }),
  );

async function loginOnce(user: TestUser): Promise<number> {
  const browser = new TestBrowser({
    ca: t.tobira.ca.certificatePem,
    pfx: user.p12,
    passphrase: user.p12Password,
  });
  try {
    const start = process.hrtime.bigint();
    const auth = await rp.start();
    const page = await browser.follow(auth.url, t.url);
    const { action, csrf } = formOf(page.text);
    const back = await browser.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: user.account.userId, password: 'Bench-Password-1' },
    });
    if (!back.location?.startsWith('https://rp.example.test/cb?code='))
      throw new Error(`login failed: ${back.status}`);
    await rp.finish(back.location, auth);
    return ms(start);
  } finally {
    browser.close();
  }
}

await loginOnce(users[0]!); // warm-up
t.tobira.metrics.registry.resetMetrics(); // count the measured run only
const cpuBefore = process.cpuUsage();
const latencies: number[] = [];
const deadline = Date.now() + seconds * 1000;
const began = process.hrtime.bigint();
await Promise.all(
  users.map(async (user) => {
    while (Date.now() < deadline) latencies.push(await loginOnce(user));
  }),
);
const elapsed = ms(began) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSecondsPerLogin = (cpu.user + cpu.system) / 1e6 / latencies.length;
console.log(
  `full OIDC login (TLS client cert + password + code exchange + userinfo), ${clients} concurrent clients for ${elapsed.toFixed(1)} s:`,
);
console.log(
  `  throughput ${(latencies.length / elapsed).toFixed(1)} logins/s; latency ${summary(latencies)}`,
);
console.log(
  `  CPU: ${(cpuSecondsPerLogin * 1000).toFixed(1)} ms per login (server and clients together); on ${os.cpus().length} cores that caps this setup at ${(os.cpus().length / cpuSecondsPerLogin).toFixed(1)} logins/s`,
);
console.log(`  server time by route (per login: requests × mean):`);
for (const line of await serverTimeByRoute(latencies.length)) console.log(`    ${line}`);
console.log(
  `  memory: rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB (server and clients in one process)`,
);
await t.close();
process.exit(0);

/** From Tobira's own request histogram: how many requests of each route a login makes, and their mean. */
async function serverTimeByRoute(logins: number): Promise<string[]> {
  const metrics = await t.tobira.metrics.registry.getMetricsAsJSON();
  const histogram = metrics.find((m) => m.name === 'tobira_http_request_duration_seconds') as
    { values: { metricName?: string; labels: Record<string, string | number>; value: number }[] } | undefined;
  const byRoute = new Map<string, { sum: number; count: number }>();
  for (const v of histogram?.values ?? []) {
    const key = `${v.labels.method} ${v.labels.route}`;
    const entry = byRoute.get(key) ?? { sum: 0, count: 0 };
    if (v.metricName?.endsWith('_sum')) entry.sum += v.value;
    if (v.metricName?.endsWith('_count')) entry.count += v.value;
    byRoute.set(key, entry);
  }
  return [...byRoute.entries()]
    .filter(([, e]) => e.count > 0)
    .sort((a, b) => b[1].sum - a[1].sum)
    .map(
      ([route, e]) =>
        `${route.padEnd(18)} ${(e.count / logins).toFixed(1)} × ${((e.sum / e.count) * 1000).toFixed(1)} ms`,
    );
}
