/**
 * The bare oidc-provider 9 the token-side bench compares Tobira with (bench/token-side.ts), in its own
 * process: `startBare()` runs this file, which serves and prints its side on one line.
 */
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/tobira.js';
import { stopChild } from './proc.js';
import type { Side } from './token-side.js';
import { runsAlone } from './entry.js';

const BARE_MARKER = 'bare-oidc-provider ';
const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SCRIPT), '..');

/** The bare oidc-provider in its own process (this file); it prints its side. */
export async function startBare(): Promise<Side> {
  const profile = process.env.TOKEN_SIDE_PROFILE;
  const flags = profile ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profile, 'bare')] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => stopChild(child);
  // oidc-provider writes its notices to stdout too: the side is the line after the marker.
  const exited = once(child, 'exit').then(() => null);
  const found = (async () => {
    for await (const line of createInterface({ input: child.stdout! }))
      if (line.startsWith(BARE_MARKER)) return line.slice(BARE_MARKER.length);
    return null;
  })();
  const line = await Promise.race([found, exited]);
  if (!line) {
    await stop();
    throw new Error('the bare oidc-provider did not start');
  }
  return {
    name: 'bare',
    pid: child.pid!,
    ...(JSON.parse(line) as Omit<Side, 'stop' | 'name' | 'pid'>),
    stop,
  };
}

/** Child mode: a bare oidc-provider 9 with the same claims, one client and one login's tokens. */
async function serveBare(): Promise<void> {
  const { default: Provider } = await import('oidc-provider');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bare-op-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    ],
    { stdio: 'pipe' },
  );
  const [key, cert] = await Promise.all([
    readFile(path.join(dir, 'key.pem'), 'utf8'),
    readFile(path.join(dir, 'cert.pem'), 'utf8'),
  ]);
  await rm(dir, { recursive: true, force: true });
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const clientId = 'bench-rp';
  const clientSecret = randomBytes(32).toString('base64url');
  const claims = {
    sub: 'account-1',
    preferred_username: 'p-91-token',
    tenant: 'p-91',
    email: 'p-91-token@example.jp',
    email_verified: false,
  };
  const provider = new Provider(url, {
    jwks: { keys: [{ ...signing, use: 'sig', alg: 'RS256', kid: 'bench' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: ['https://rp.example.test/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: {
      sid: null,
      iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'tenant'],
    },
    conformIdTokenClaims: false,
    // Tobira's lifetimes (src/provider.ts).
    ttl: { AccessToken: 600, IdToken: 600, Grant: 365 * 24 * 3600, RefreshToken: 24 * 3600 },
    responseTypes: ['code'],
    features: { devInteractions: { enabled: false }, introspection: { enabled: true } },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ ...claims, sub: id }) }),
  });
  const client = (await provider.Client.find(clientId))!;
  const grant = new provider.Grant({ clientId, accountId: claims.sub });
  grant.addOIDCScope('openid email profile offline_access');
  const grantId = await grant.save();
  const refreshToken = await new provider.RefreshToken({
    client,
    accountId: claims.sub,
    grantId,
    scope: 'openid email profile offline_access',
    gty: 'authorization_code',
    authTime: Math.floor(Date.now() / 1000),
  }).save();
  const server = https.createServer({ key, cert }, provider.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const side = { url, ca: cert, clientId, clientSecret, refreshToken };
  process.stdout.write(`${BARE_MARKER}${JSON.stringify(side)}\n`);
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive clients left open must not hold the exit (and its CPU profile)
  });
}

if (runsAlone(import.meta.url)) {
  await serveBare();
}
