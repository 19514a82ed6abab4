/**
 * Production chores, for real: an online backup taken while Tobira serves, restored into a new data
 * directory where the same certificate and password still sign in; and signing/cookie key rotation
 * where tokens signed before the rotation still verify against the published JWKS.
 */
import { expect } from 'chai';
import { createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backup, keysRotate } from '../../src/cli/ops-commands.js';
import { BackupError, type BackupManifest } from '../../src/ops/backup.js';
import { TestBrowser, formOf } from '../helpers/browser.js';
import {
  createClient,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const REDIRECT = 'https://rp.example.test/cb';

/** A full OIDC login with the user's certificate and password; returns the raw ID token. */
async function signIn(t: TestTobira, client: TestClient, user: TestUser): Promise<string> {
  const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  const browser = new TestBrowser({
    ca: t.tobira.ca.certificatePem,
    pfx: user.p12,
    passphrase: user.p12Password,
  });
  try {
    const start = await rp.start();
    const page = await browser.follow(start.url, t.url);
    const { action, csrf } = formOf(page.text);
    const back = await browser.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: user.account.userId, password: user.password },
    });
    const { tokens } = await rp.finish(back.location!, start);
    return tokens.id_token!;
  } finally {
    browser.close();
  }
}

const headerOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };

/** RS256 check of a compact JWS against one public JWK, with nothing but node:crypto. */
function verifiesWith(jwt: string, jwk: JsonWebKey): boolean {
  const [header, payload, signature] = jwt.split('.');
  return verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(signature!, 'base64url'),
  );
}

describe('backup and key rotation', function () {
  const dirs: string[] = [];
  const tempDir = async (prefix: string) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  const running: TestTobira[] = [];
  const start = async (dataDir: string) => {
    const t = await startTestTobira({ dataDir });
    running.push(t);
    return t;
  };
  const stop = async (t: TestTobira) => {
    running.splice(running.indexOf(t), 1);
    await t.close();
  };
  let client: TestClient;
  let user: TestUser;
  let restoredDir: string;

  after(async function () {
    for (const t of running) await t.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('backs up online while logins are written, and the restored copy signs the same user in', async function () {
    const original = await start(await tempDir('tobira-orig-'));
    await createTenant(original.tobira, 'p-80');
    client = await createClient(original.tobira, { tenantId: 'p-80', redirectUri: REDIRECT });
    user = await createUser(original.tobira, {
      tenantId: 'p-80',
      userId: 'p-80-usr001',
      password: 'Backup-Pass-42',
    });
    await signIn(original, client, user);

    const out = path.join(await tempDir('tobira-backup-'), 'nightly');
    const printed: string[] = [];
    const writes = Array.from({ length: 40 }, (_, i) =>
      original.tobira.store.addLoginEvent({
        accountId: user.account.id,
        tenantId: 'p-80',
        at: new Date(),
        sourceIp: `192.0.2.${i}`,
        result: 'bad_password',
        clientId: null,
        userAgent: null,
        certSerial: null,
      }),
    );
    await Promise.all([backup(original.tobira, ['--out', out], (line) => printed.push(line)), ...writes]);
    expect(printed[0]).to.match(/^backup written to .*nightly \(\d+ files/);

    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as BackupManifest;
    expect(manifest.store).to.equal('sqlite');
    expect(manifest.files.map((f) => f.path)).to.include.members([
      'tobira.db',
      'keys/data.key',
      'keys/jwks.json',
      'keys/cookie-keys',
      'ca/ca.pem',
      'ca/ca.key',
    ]);
    for (const file of manifest.files) {
      const content = await readFile(path.join(out, file.path));
      expect(createHash('sha256').update(content).digest('hex'), file.path).to.equal(file.sha256);
      expect((await stat(path.join(out, file.path))).mode & 0o777, file.path).to.equal(0o600);
    }
    expect((await stat(out)).mode & 0o777).to.equal(0o700);
    const again = await backup(original.tobira, ['--out', out], () => undefined).catch((e: unknown) => e);
    expect(again, 'never overwrites a backup').to.be.instanceOf(BackupError);
    await stop(original);

    // Restore as the manifest says: database and folders into a new data directory.
    restoredDir = await tempDir('tobira-restored-');
    for (const entry of ['tobira.db', 'keys', 'ca'])
      await cp(path.join(out, entry), path.join(restoredDir, entry), { recursive: true });
    const restored = await start(restoredDir);
    const events = await restored.tobira.store.listLoginEvents({ accountId: user.account.id, limit: 100 });
    expect(
      events.items.some((e) => e.result === 'success'),
      'data from before the backup',
    ).to.equal(true);
    const idToken = await signIn(restored, client, user);
    expect(idToken.split('.')).to.have.length(3);
    await stop(restored);
  });

  it('rotates keys: the new kid signs, the old one stays published for verification, then goes', async function () {
    let t = await start(restoredDir);
    const before = await signIn(t, client, user);
    const oldKid = headerOf(before).kid;
    const oldCookieKey = (await readFile(path.join(restoredDir, 'keys/cookie-keys'), 'utf8')).split('\n')[0];
    const printed: string[] = [];
    await keysRotate(t.tobira, [], (line) => printed.push(line));
    expect(printed.join('\n')).to.include(`kept for verification: ${oldKid}`);
    await stop(t);

    t = await start(restoredDir);
    const reader = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    const jwks = JSON.parse((await reader.request(`${t.url}/jwks`)).text) as {
      keys: (JsonWebKey & { kid: string; key_ops?: string[]; d?: string })[];
    };
    reader.close();
    expect(
      jwks.keys.every((k) => k.d === undefined),
      'only public keys are published',
    ).to.equal(true);
    const old = jwks.keys.find((k) => k.kid === oldKid)!;
    expect(old.key_ops).to.deep.equal(['verify']);
    expect(verifiesWith(before, old), 'a token signed before the rotation still verifies').to.equal(true);

    const after = await signIn(t, client, user);
    expect(headerOf(after)).to.include({ alg: 'RS256' });
    expect(headerOf(after).kid).to.not.equal(oldKid);
    expect(jwks.keys[0]!.kid).to.equal(headerOf(after).kid);
    const cookieKeys = (await readFile(path.join(restoredDir, 'keys/cookie-keys'), 'utf8'))
      .trim()
      .split('\n');
    expect(cookieKeys).to.have.length(2);
    expect(cookieKeys[1], 'the old cookie key still verifies existing sessions').to.equal(oldCookieKey);

    await keysRotate(t.tobira, [], () => undefined);
    const file = JSON.parse(await readFile(path.join(restoredDir, 'keys/jwks.json'), 'utf8')) as {
      keys: { kid: string }[];
    };
    expect(file.keys.map((k) => k.kid)).to.not.include(oldKid);
    expect(file.keys).to.have.length(4);
    expect(await readdir(path.join(restoredDir, 'keys')), 'no temporary files left').to.have.members([
      'data.key',
      'cookie-keys',
      'jwks.json',
    ]);
    await stop(t);
  });
});
