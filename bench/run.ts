/**
 * Benchmarks (run with `npm run bench`; never part of `npm test`):
 *  1. argon2id verify time at the configured parameters — the physical floor of a password login;
 *  2. end-to-end login throughput and latency with N concurrent clients over real HTTPS with client
 *     certificates (authorization request → interaction → password → code → token exchange), against
 *     Tobira in its own process; its CPU per login and time per route come from its own /metrics;
 *  3. certificate issuance and the CRL against request handling (bench/issuance.ts).
 * Options: --clients 2 --seconds 15 --verifies 40 --issuance-only
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PasswordHasher } from '../src/crypto/password-hasher.js';
import { createHttpsFetch } from '../src/http/https-fetch.js';
import { createClient, createTenant, createUser, type TestUser } from '../test/helpers/fixtures.js';
import { TestRp } from '../test/helpers/rp.js';
import { freePort, startTestTobira } from '../test/helpers/tobira.js';
import { benchIssuance } from './issuance.js';
import { loginOnce as login } from './login.js';
import { ms, summary } from './stats.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '15' },
    verifies: { type: 'string', default: '40' },
    'issuance-only': { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
if (values['issuance-only']) {
  await benchIssuance();
  process.exit(0);
}

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

// 2. login throughput, against Tobira in its own process (as `tobira start` runs it), so that the
// server's CPU per login can be read from its own metrics, apart from the clients' work.
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-bench-'));
const limits = { loginRatePerIpPerMinute: 1_000_000, loginRatePerAccountPerMinute: 1_000_000 };
const provisioning = await startTestTobira({ dataDir, config: limits });
await createTenant(provisioning.tobira, 'p-90', { lockout: { maxPasswordFailures: 100 } });
const client = await createClient(provisioning.tobira, {
  tenantId: 'p-90',
  redirectUri: 'https://rp.example.test/cb',
});
const users: TestUser[] = [];
for (let i = 0; i < clients; i += 1)
  users.push(
    await createUser(provisioning.tobira, {
      tenantId: 'p-90',
      userId: `p-90-bench${i}`,
      password: 'Bench-Password-1',
    }),
  );
const caPem = provisioning.tobira.ca.certificatePem;
await provisioning.close();

const server = await startServerProcess(dataDir);
const rp = await TestRp.discover(server.url, client, caPem);

const loginOnce = (user: TestUser) =>
  login({ rp, url: server.url, caPem, password: 'Bench-Password-1' }, user);

await loginOnce(users[0]!); // warm-up
const serverBefore = await server.metrics();
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
const serverAfter = await server.metrics();
const cpu = process.cpuUsage(cpuBefore);
const logins = latencies.length;
const serverCpu =
  (sample(serverAfter, 'tobira_process_cpu_seconds_total') -
    sample(serverBefore, 'tobira_process_cpu_seconds_total')) /
  logins;
const clientCpu = (cpu.user + cpu.system) / 1e6 / logins;
const cores = os.cpus().length;
console.log(
  `full OIDC login (TLS client cert + password + code exchange + userinfo), ${clients} concurrent clients for ${elapsed.toFixed(1)} s:`,
);
console.log(`  throughput ${(logins / elapsed).toFixed(1)} logins/s; latency ${summary(latencies)}`);
console.log(
  `  CPU per login: server ${(serverCpu * 1000).toFixed(1)} ms, clients ${(clientCpu * 1000).toFixed(1)} ms — ${cores} cores given to the server alone would carry about ${(cores / serverCpu).toFixed(0)} logins/s`,
);
console.log(`  server time by route (per login: requests × mean):`);
for (const line of serverTimeByRoute(serverBefore, serverAfter, logins)) console.log(`    ${line}`);
console.log(
  `  server memory: rss ${(sample(serverAfter, 'tobira_process_resident_memory_bytes') / 1048576).toFixed(0)} MiB`,
);
await server.stop();
await rm(dataDir, { recursive: true, force: true });

// 3. certificate work against request handling, in Tobira's own event loop
await benchIssuance();
process.exit(0);

/** `tobira start` on the provisioned data directory, with a metrics token for the readings. */
async function startServerProcess(dir: string) {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const token = 'bench-metrics-token-0123456789';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/tobira.js', 'start'], {
    env: {
      ...process.env,
      TOBIRA_DATA_DIR: dir,
      TOBIRA_ISSUER: url,
      TOBIRA_HOST: '127.0.0.1',
      TOBIRA_PORT: String(port),
      TOBIRA_LOG_LEVEL: 'error',
      TOBIRA_METRICS_TOKEN: token,
      TOBIRA_LOGIN_RATE_PER_IP_PER_MINUTE: String(limits.loginRatePerIpPerMinute),
      TOBIRA_LOGIN_RATE_PER_ACCOUNT_PER_MINUTE: String(limits.loginRatePerAccountPerMinute),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const fetch = createHttpsFetch({ ca: caPem });
  for (let i = 0; ; i += 1) {
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 150) throw new Error('tobira did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    metrics: async () =>
      (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text(),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** A metric's value in the exposition text, summed over its label sets. */
function sample(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) total += Number(m[3]);
  }
  return total;
}

/** From the server's request histogram: how many requests of each route a login makes, and their mean. */
function serverTimeByRoute(before: string, after: string, count: number): string[] {
  const series = (text: string, suffix: string) => {
    const found = new Map<string, number>();
    for (const m of text.matchAll(
      new RegExp(
        `^tobira_http_request_duration_seconds_${suffix}\\{method="(\\w+)",route="(\\w+)"\\} (\\S+)$`,
        'gm',
      ),
    ))
      found.set(`${m[1]} ${m[2]}`, Number(m[3]));
    return found;
  };
  const [sum0, sum1, n0, n1] = [
    series(before, 'sum'),
    series(after, 'sum'),
    series(before, 'count'),
    series(after, 'count'),
  ];
  return [...n1.entries()]
    .map(([route, n]) => ({
      route,
      n: n - (n0.get(route) ?? 0),
      sum: (sum1.get(route) ?? 0) - (sum0.get(route) ?? 0),
    }))
    .filter((r) => r.n > 0 && r.route.split(' ')[1] !== 'metrics')
    .sort((a, b) => b.sum - a.sum)
    .map(
      (r) => `${r.route.padEnd(18)} ${(r.n / count).toFixed(1)} × ${((r.sum / r.n) * 1000).toFixed(1)} ms`,
    );
}
