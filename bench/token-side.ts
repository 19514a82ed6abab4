/**
 * Token side (issue 13 point 3): userinfo, introspection and the refresh_token grant of Tobira against a
 * bare oidc-provider 9 in the same run, each in its own process, hammered by autocannon over HTTPS with
 * keep-alive connections from this process.
 *
 * - Tobira: provisioned like bench/run.ts (a tenant, a first-party client, a user with a real
 *   certificate), then `tobira start` in its own process (one worker); the tokens come from a real login
 *   (client certificate + password + code exchange with PKCE, `offline_access`).
 * - Bare: oidc-provider 9 with its in-memory adapter, a self-signed RSA-2048 TLS certificate (openssl),
 *   an RSA-2048 RS256 signing key, one confidential client (client_secret_basic), the same claims and
 *   scopes; its tokens are minted through its own models.
 * Fairness: both sides keep oidc-provider's default `rotateRefreshToken` — a confidential client's
 * refresh token is not rotated (until 70% of its lifetime), so every refresh_token request reuses one
 * token and each mints an access token and an RS256 ID token on both sides. Each endpoint is measured
 * on both sides back to back after a warm-up, so load from other processes hits both alike.
 *
 * Tobira runs compiled (`npm run build`), as production does: bench/run.ts passes its build; alone,
 * this module builds into var/ first (or takes prebuilt trees: `--tobira <dir>`, repeatable, to compare
 * builds side by side in one run — e.g. one built before a change and one after — each reported against
 * the same bare side; `--tsx` runs the sources instead).
 *
 * Alone: `node --import tsx bench/token-side.ts --seconds 10 [--connections 8] [--endpoints userinfo]
 * [--tobira var/a --tobira var/b]`; with TOKEN_SIDE_PROFILE=<dir> each Tobira process writes a V8 CPU
 * profile there (in <dir>/tobira-<n> with several), the bare one's in <dir>/bare.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { TestBrowser, formOf } from '../test/helpers/browser.js';
import { createClient, createTenant, createUser } from '../test/helpers/fixtures.js';
import { LIMITS } from './provision.js';
import { buildCompiled } from './startup.js';
import { TestRp } from '../test/helpers/rp.js';
import { freePort, startTestTobira } from '../test/helpers/tobira.js';
import { processTreeCpu, stopChild } from './proc.js';
import { startBare } from './token-side-bare.js';
import { runsAlone } from './entry.js';

export type TokenEndpoint = 'userinfo' | 'introspection' | 'refresh_token';

export interface TokenSideResult {
  endpoint: TokenEndpoint;
  /** Successful requests per second. */
  tobira: number;
  bare: number;
  /** tobira / bare */
  ratio: number;
}

/** How each Tobira side runs: a compiled tree (`npm run build --out <dir>`), or the sources through tsx. */
export type TobiraRuntime = { compiledDir: string; label?: string } | { tsx: true; label?: string };

/** One side under test: where it listens, the client's credentials and its current tokens. */
export interface Side {
  /** 'bare', 'tobira', or with several Tobira sides their labels. */
  name: string;
  /** The server's process (with its workers, if any, as children). */
  pid: number;
  url: string;
  ca: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Tobira only: one more full login (certificate, password, code exchange) in a new browser. */
  login?(): Promise<void>;
  /** Tobira only: its /metrics exposition. */
  metrics?(): Promise<string>;
  stop(): Promise<void>;
}

const ENDPOINTS: readonly TokenEndpoint[] = ['userinfo', 'introspection', 'refresh_token'];
const PASSWORD = 'Bench-Password-1';
/** Each side is measured in turns of about this long, alternating. */
const SLICE_SECONDS = 2;
const METRICS_TOKEN = 'bench-token-side-metrics-0123456789';
/** USER_HZ of /proc/<pid>/stat: 100 on Linux. */
const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SCRIPT), '..');

export async function benchTokenSide(opts: {
  seconds: number;
  connections: number;
  log?: (line: string) => void;
  /** Only these endpoints (default: all three). */
  endpoints?: readonly TokenEndpoint[];
  /** Tobira's runtime(s); the first is the one reported. Unset: built here and run compiled. */
  tobira?: readonly TobiraRuntime[];
}): Promise<TokenSideResult[]> {
  const log = opts.log ?? (() => {});
  const sides: Side[] = [];
  let runtimes = opts.tobira;
  let removeBuild: (() => Promise<void>) | undefined;
  if (!runtimes?.length) {
    const build = await buildCompiled();
    if (typeof build === 'string') throw new Error(build);
    removeBuild = build.remove;
    runtimes = [{ compiledDir: build.dir }];
  }
  try {
    for (const [i, runtime] of runtimes.entries())
      sides.push(
        await startTobira(runtime, runtimes.length > 1 ? (runtime.label ?? `tobira-${i + 1}`) : 'tobira'),
      );
    sides.push(await startBare());
    const tobiraSides = sides.filter((side) => side.name !== 'bare');
    const results: TokenSideResult[] = [];
    const slices = Math.max(1, Math.round(opts.seconds / SLICE_SECONDS));
    const slice = { seconds: opts.seconds / slices, connections: opts.connections };
    for (const endpoint of opts.endpoints ?? ENDPOINTS) {
      const done = new Map(sides.map((side) => [side.name, { requests: 0, seconds: 0, cpu: 0 }]));
      const tokens = new Map<string, string>();
      for (const side of sides) {
        tokens.set(side.name, await refreshGrant(side)); // a fresh access token for each endpoint
        // Warm-up at full load: the first slice must not pay the JIT's compilation.
        await hammer(side, endpoint, tokens.get(side.name)!, {
          ...slice,
          seconds: Math.min(2, opts.seconds),
        });
      }
      // Slices taken in turn: a burst of load from other processes hits both sides alike.
      for (let i = 0; i < slices; i += 1)
        for (const side of i % 2 ? [...sides].reverse() : sides) {
          const cpuBefore = processTreeCpu(side.pid);
          const run = await hammer(side, endpoint, tokens.get(side.name)!, slice);
          const total = done.get(side.name)!;
          total.requests += run.requests;
          total.seconds += run.seconds;
          total.cpu += processTreeCpu(side.pid) - cpuBefore;
        }
      const rate = (name: string) => done.get(name)!.requests / done.get(name)!.seconds;
      const cpuMs = (name: string) => (1000 * done.get(name)!.cpu) / done.get(name)!.requests;
      for (const [i, side] of tobiraSides.entries()) {
        const result = {
          endpoint,
          tobira: rate(side.name),
          bare: rate('bare'),
          ratio: rate(side.name) / rate('bare'),
        };
        if (i === 0) results.push(result);
        log(
          `${endpoint}: ${side.name} ${result.tobira.toFixed(0)} req/s, bare oidc-provider ${result.bare.toFixed(0)} req/s, ratio ${result.ratio.toFixed(2)}` +
            ` (server CPU per request: ${side.name} ${cpuMs(side.name).toFixed(3)} ms, bare ${cpuMs('bare').toFixed(3)} ms)`,
        );
      }
    }
    return results;
  } finally {
    for (const side of sides) await side.stop();
    await removeBuild?.();
  }
}

/** Requests/s answered 2xx (and, for introspection, active) over `seconds` with `connections`. */
export async function hammer(
  side: Side,
  endpoint: TokenEndpoint,
  accessToken: string,
  opts: { seconds: number; connections: number },
): Promise<{ requests: number; seconds: number }> {
  const basic = `Basic ${Buffer.from(`${side.clientId}:${side.clientSecret}`).toString('base64')}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
  const request =
    endpoint === 'userinfo'
      ? { path: '/me', method: 'GET' as const, headers: { authorization: `Bearer ${accessToken}` } }
      : endpoint === 'introspection'
        ? {
            path: '/token/introspection',
            method: 'POST' as const,
            headers: form,
            body: new URLSearchParams({ token: accessToken }).toString(),
          }
        : {
            path: '/token',
            method: 'POST' as const,
            headers: form,
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: side.refreshToken,
            }).toString(),
          };
  const expected = { userinfo: '"sub"', introspection: '"active":true', refresh_token: '"id_token"' }[
    endpoint
  ];
  const result = await autocannon({
    url: side.url + request.path,
    method: request.method,
    headers: request.headers,
    ...('body' in request ? { body: request.body } : {}),
    connections: opts.connections,
    duration: opts.seconds,
    tlsOptions: { ca: side.ca },
    verifyBody: (body) => String(body).includes(expected),
  });
  const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
  if (failed > result['2xx'] / 100)
    throw new Error(
      `${side.name} ${endpoint}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.mismatches} unexpected bodies`,
    );
  return { requests: result['2xx'] - result.mismatches, seconds: result.duration || opts.seconds };
}

/** One refresh_token grant over HTTPS: a fresh access token (and a check that the side works). */
export async function refreshGrant(side: Side): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: side.refreshToken });
  const response = await httpsPost(side, '/token', body.toString());
  const json = JSON.parse(response) as { access_token?: string; refresh_token?: string };
  if (!json.access_token) throw new Error(`${side.name}: refresh_token grant failed: ${response}`);
  if (json.refresh_token) side.refreshToken = json.refresh_token;
  return json.access_token;
}

function httpsGet(url: string, ca: string, pathname: string, authorization: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(new URL(pathname, url), { ca, agent: false, headers: { authorization } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function httpsPost(side: Side, pathname: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(pathname, side.url),
      {
        method: 'POST',
        ca: side.ca,
        agent: false,
        auth: `${side.clientId}:${side.clientSecret}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Tobira as the bench runs it: provisioned in-process, then `tobira start` in its own process. */
export async function startTobira(runtime: TobiraRuntime, name = 'tobira'): Promise<Side> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-bench-token-'));
  const provisioning = await startTestTobira({ dataDir });
  await createTenant(provisioning.tobira, 'p-91');
  const client = await createClient(provisioning.tobira, {
    tenantId: 'p-91',
    redirectUri: 'https://rp.example.test/cb',
  });
  const user = await createUser(provisioning.tobira, {
    tenantId: 'p-91',
    userId: 'p-91-token',
    password: PASSWORD,
  });
  const ca = provisioning.tobira.ca.certificatePem;
  await provisioning.close();

  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  // TOKEN_SIDE_PROFILE=<dir>: a V8 CPU profile of Tobira's process, written when it stops.
  const profile = process.env.TOKEN_SIDE_PROFILE;
  const profileDir = name === 'tobira' ? path.resolve(profile ?? '.') : path.resolve(profile ?? '.', name);
  const flags = profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const entry =
    'compiledDir' in runtime
      ? [path.resolve(ROOT, runtime.compiledDir, 'src/cli/main.js'), 'start']
      : ['--import', 'tsx', 'bin/tobira.js', 'start'];
  const child = spawn(process.execPath, [...flags, ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      TOBIRA_DATA_DIR: dataDir,
      TOBIRA_ISSUER: url,
      TOBIRA_HOST: '127.0.0.1',
      TOBIRA_PORT: String(port),
      TOBIRA_LOG_LEVEL: 'error',
      TOBIRA_METRICS_TOKEN: METRICS_TOKEN,
      // Logins run in a loop alongside token requests (bench/token-side-mixed.ts): no rate limit.
      TOBIRA_LOGIN_RATE_PER_IP_PER_MINUTE: String(LIMITS.loginRatePerIpPerMinute),
      TOBIRA_LOGIN_RATE_PER_ACCOUNT_PER_MINUTE: String(LIMITS.loginRatePerAccountPerMinute),
      // One process against the bare provider's one process.
      TOBIRA_WORKERS: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async () => {
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, ca, child);
    const rp = await TestRp.discover(url, client, ca);
    // A real login: certificate + password, then the code exchange (PKCE) by openid-client.
    const signIn = async (scope: string) => {
      const browser = new TestBrowser({ ca, pfx: user.p12, passphrase: user.p12Password });
      const start = await rp.start({ scope, prompt: 'consent' });
      const page = await browser.follow(start.url, url);
      const { action, csrf } = formOf(page.text);
      let back = await browser.follow(new URL(action, url).href, url, {
        form: { csrf, userId: user.account.userId, password: PASSWORD },
      });
      if (!back.location?.startsWith(client.redirectUri)) {
        const consent = formOf(back.text); // prompt=consent: the consent page, allowed
        back = await browser.follow(new URL(consent.action, url).href, url, {
          form: { csrf: consent.csrf, decision: 'allow' },
        });
      }
      browser.close();
      if (!back.location?.startsWith(client.redirectUri))
        throw new Error(`tobira login failed: ${back.status}`);
      return (await rp.finish(back.location, start)).tokens;
    };
    const tokens = await signIn('openid email profile offline_access');
    if (!tokens.refresh_token) throw new Error('tobira issued no refresh token');
    return {
      name,
      pid: child.pid!,
      url,
      ca,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken: tokens.refresh_token,
      login: async () => void (await signIn('openid email profile')),
      metrics: () => httpsGet(url, ca, '/metrics', `Bearer ${METRICS_TOKEN}`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitReady(url: string, ca: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i <= 150; i += 1) {
    if (child.exitCode !== null) throw new Error(`tobira exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      https
        .get(`${url}/readyz`, { ca, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('tobira did not start');
}

if (runsAlone(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '8' },
      // e.g. --endpoints userinfo,introspection: measure (and profile) just these.
      endpoints: { type: 'string', default: ENDPOINTS.join(',') },
      // Prebuilt trees (scripts/build.mjs --out <dir>), compared side by side; unset: built here.
      tobira: { type: 'string', multiple: true },
      tsx: { type: 'boolean', default: false },
    },
  });
  {
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
    await benchTokenSide({
      seconds: Number(values.seconds),
      connections: Number(values.connections),
      endpoints: values.endpoints.split(',').map((name) => {
        if (!ENDPOINTS.includes(name as TokenEndpoint)) throw new Error(`unknown endpoint ${name}`);
        return name as TokenEndpoint;
      }),
      ...(values.tsx
        ? { tobira: [{ tsx: true as const }] }
        : values.tobira?.length
          ? { tobira: values.tobira.map((dir) => ({ compiledDir: dir, label: path.basename(dir) })) }
          : {}),
      log: (line) => console.log(line),
    });
    process.exit(0);
  }
}
