/**
 * Certificate work against request handling (issue 13, point 4), with Tobira in this process so that
 * its event loop can be watched (perf_hooks): the delay during 10 parallel issuances, login and
 * /healthz latency while those 10 complete, minting against native key generation alone (its floor),
 * and what one GET /ca/crl.der costs.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { TestBrowser } from '../test/helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../test/helpers/fixtures.js';
import { TestRp } from '../test/helpers/rp.js';
import { startTestTobira } from '../test/helpers/tobira.js';
import { loginOnce } from './login.js';
import { opensslMint } from './openssl-mint.js';
import { ms, summary } from './stats.js';

const WAVE = 10;
const rate = (wallMs: number) => `${wallMs.toFixed(0)} ms, ${((WAVE * 1000) / wallMs).toFixed(1)}/s`;
const PASSWORD = 'Bench-Password-1';

export async function benchIssuance(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-bench-issuance-'));
  const limits = { loginRatePerIpPerMinute: 1_000_000, loginRatePerAccountPerMinute: 1_000_000 };
  const t = await startTestTobira({ dataDir, config: limits });
  try {
    await createTenant(t.tobira, 'p-91', { lockout: { maxPasswordFailures: 100 } });
    const client = await createClient(t.tobira, {
      tenantId: 'p-91',
      redirectUri: 'https://rp.example.test/cb',
    });
    // Two users log in while the ten others have their certificates re-issued.
    const users: TestUser[] = [];
    for (let i = 0; i < WAVE + 2; i += 1)
      users.push(
        await createUser(t.tobira, { tenantId: 'p-91', userId: `p-91-wave${i}`, password: PASSWORD }),
      );
    const [loginUsers, waveUsers] = [users.slice(WAVE), users.slice(0, WAVE)];
    const caPem = t.tobira.ca.certificatePem;
    const rp = await TestRp.discover(t.url, client, caPem);
    const login = (user: TestUser) => loginOnce({ rp, url: t.url, caPem, password: PASSWORD }, user);
    const tenant = (await t.tobira.store.getTenant('p-91'))!;
    // Re-issue for every user's terminal at once: key + certificate + PKCS#12, superseding the last one.
    const wave = () =>
      Promise.all(
        waveUsers.map(async (u) => {
          const start = process.hrtime.bigint();
          await t.tobira.certificates.issueForTerminal({
            account: u.account,
            tenant,
            terminal: (await t.tobira.store.getTerminal(u.terminal.id))!,
            downloadPassword: 'Bench-Download-1',
            downloadExpiresAt: new Date(Date.now() + 3600_000),
            actor: 'bench',
          });
          return ms(start);
        }),
      );

    await login(loginUsers[0]!); // warm-up
    await wave();

    console.log(`certificate work in the server's own event loop (Tobira in the bench process):`);
    const floorStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: WAVE }, () =>
        promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicExponent: 0x10001 }),
      ),
    );
    const floorMs = ms(floorStart);
    const opensslMs = await opensslMint(WAVE);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const waveStart = process.hrtime.bigint();
    const perIssuance = await wave();
    const waveMs = ms(waveStart);
    delay.disable();
    console.log(
      `  ${WAVE} issuances at once (key + certificate + PKCS#12): ${rate(waveMs)}; each ${summary(perIssuance)}`,
    );
    console.log(`    native RSA-2048 key generation alone, ${WAVE} at once (the floor): ${rate(floorMs)}`);
    console.log(`    openssl CLI, ${WAVE} mintings at once (key, certificate, PKCS#12): ${rate(opensslMs)}`);
    console.log(
      `  event-loop delay during them: max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, mean ${(delay.mean / 1e6).toFixed(1)} ms`,
    );

    const idle: number[] = [];
    for (let i = 0; i < 10; i += 1) idle.push(await login(loginUsers[i % 2]!));
    const during: number[] = [];
    const health: number[] = [];
    let done = false;
    const waveDone = wave().finally(() => (done = true));
    await Promise.all([
      ...[0, 1].map(async (k) => {
        while (!done) during.push(await login(loginUsers[k]!));
      }),
      (async () => {
        const browser = new TestBrowser({ ca: caPem });
        while (!done) {
          const start = process.hrtime.bigint();
          await browser.request(`${t.url}/healthz`);
          health.push(ms(start));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      waveDone,
    ]);
    console.log(`  login latency, 2 clients, idle: ${summary(idle)}`);
    console.log(`  login latency, 2 clients, while ${WAVE} issuances complete: ${summary(during)}`);
    console.log(`  /healthz latency meanwhile: ${summary(health)}`);

    const crlBrowser = new TestBrowser({ ca: caPem });
    await crlBrowser.request(`${t.url}/ca/crl.der`);
    const crl: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < 100; i += 1) {
      const start = process.hrtime.bigint();
      await crlBrowser.request(`${t.url}/ca/crl.der`);
      crl.push(ms(start));
    }
    const used = process.cpuUsage(cpu);
    console.log(
      `  GET /ca/crl.der (${WAVE} revoked, new TLS connection each): ${summary(crl)}; CPU (server + client) ${((used.user + used.system) / 1000 / 100).toFixed(1)} ms per request`,
    );
  } finally {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
