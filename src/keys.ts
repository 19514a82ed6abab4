/**
 * Key material Tobira generates on first start and keeps in `dataDir/keys` (mode 0600):
 * the data key (secrets at rest), cookie signing keys and the OIDC signing JWKS.
 * Every node of a cluster must share these files (see docs/deploy-mongodb.md).
 */
import { generateKeyPair as generateKeyPairCb, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const generateKeyPair = promisify(generateKeyPairCb);

export class KeyMaterialError extends Error {
  readonly code = 'key_material_invalid';
}

export interface KeyMaterial {
  dataKey: Buffer;
  cookieKeys: string[];
  /** Private JWKs (RS256 first: the default ID token algorithm most RPs expect). */
  jwks: { keys: Record<string, unknown>[] };
  /** Passphrase for the CA key, derived from the data key unless the operator set one. */
  caKeyPassphrase: string;
}

async function readOrCreate(file: string, create: () => Promise<string>): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const value = await create();
    // 'wx' fails if another process created it meanwhile; then read theirs.
    try {
      await writeFile(file, value, { mode: 0o600, flag: 'wx' });
      return value;
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code === 'EEXIST') return readFile(file, 'utf8');
      throw raced;
    }
  }
}

/** A key file holding one key per line (cookie keys: the first signs, the others still verify). */
const keyLines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

export function parseDataKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32)
    throw new KeyMaterialError('the data key must be 32 bytes, given as 64 hex digits or base64');
  return key;
}

type Jwk = Record<string, unknown>;

/** One generation of signing keys: RS256 first (the default ID token algorithm), then ES256. */
async function newSigningKeys(): Promise<Jwk[]> {
  const rsa = await generateKeyPair('rsa', { modulusLength: 2048 });
  const ec = await generateKeyPair('ec', { namedCurve: 'P-256' });
  const kid = () => randomBytes(8).toString('base64url');
  return [
    { ...rsa.privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: kid() },
    { ...ec.privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256', kid: kid() },
  ];
}

const jwksFile = (keys: Jwk[]) => `${JSON.stringify({ keys }, null, 2)}\n`;

async function newSigningJwks(): Promise<string> {
  return jwksFile(await newSigningKeys());
}

export async function loadKeyMaterial(options: {
  dir: string;
  dataKey?: string;
  cookieKeys?: string[];
  caKeyPassphrase?: string;
}): Promise<KeyMaterial> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const dataKey = parseDataKey(
    options.dataKey ??
      (await readOrCreate(
        path.join(options.dir, 'data.key'),
        async () => `${randomBytes(32).toString('hex')}\n`,
      )),
  );
  const cookieKeys =
    options.cookieKeys ??
    keyLines(
      await readOrCreate(
        path.join(options.dir, 'cookie-keys'),
        async () => `${randomBytes(32).toString('base64url')}\n`,
      ),
    );
  let jwks: KeyMaterial['jwks'];
  try {
    jwks = JSON.parse(await readOrCreate(path.join(options.dir, 'jwks.json'), newSigningJwks));
  } catch (cause) {
    throw new KeyMaterialError(`cannot parse ${path.join(options.dir, 'jwks.json')}`, { cause });
  }
  const caKeyPassphrase =
    options.caKeyPassphrase ??
    Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'tobira ca key passphrase', 32)).toString(
      'base64url',
    );
  return { dataKey, cookieKeys, jwks, caKeyPassphrase };
}

/** Replace a key file in one step (write aside, then rename), so a node never reads half a file. */
async function replaceFile(file: string, content: string): Promise<void> {
  const aside = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(aside, content, { mode: 0o600, flag: 'wx' });
  await rename(aside, file);
}

/** A retired signing key only verifies: oidc-provider never picks a key for signing without 'sign'. */
const isRetired = (jwk: Jwk) => Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('sign');

export interface KeyRotation {
  signing: { active: string[]; retired: string[]; dropped: string[] };
}

/**
 * Rotate the signing keys and cookie keys in `dir`: a new generation signs from now on; the previous
 * one stays published (verify only) so tokens and cookies it signed stay valid; anything older goes.
 * So two rotations must be further apart than the longest token or session lifetime. Running nodes
 * read the files at start: restart them (all of them share the files) after rotating.
 */
export async function rotateKeys(dir: string): Promise<KeyRotation> {
  const jwksPath = path.join(dir, 'jwks.json');
  const current = (JSON.parse(await readFile(jwksPath, 'utf8')) as { keys: Jwk[] }).keys;
  const fresh = await newSigningKeys();
  const retiring = current.filter((k) => !isRetired(k)).map((k) => ({ ...k, key_ops: ['verify'] }));
  const dropped = current.filter(isRetired);
  await replaceFile(jwksPath, jwksFile([...fresh, ...retiring]));

  const cookiePath = path.join(dir, 'cookie-keys');
  const cookies = keyLines(await readFile(cookiePath, 'utf8').catch(() => ''));
  const cookieKeys = [randomBytes(32).toString('base64url'), ...cookies.slice(0, 1)];
  await replaceFile(cookiePath, `${cookieKeys.join('\n')}\n`);

  const kids = (keys: Jwk[]) => keys.map((k) => String(k.kid));
  return {
    signing: { active: kids(fresh), retired: kids(retiring), dropped: kids(dropped) },
  };
}
