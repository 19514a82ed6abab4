/**
 * Key material Tobira generates on first start and keeps in `dataDir/keys` (mode 0600):
 * the data key (secrets at rest), cookie signing keys and the OIDC signing JWKS.
 * Every node of a cluster must share these files (see docs/deploy-mongodb.md).
 */
import { generateKeyPair as generateKeyPairCb, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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

export function parseDataKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32)
    throw new KeyMaterialError('the data key must be 32 bytes, given as 64 hex digits or base64');
  return key;
}

async function newSigningJwks(): Promise<string> {
  const rsa = await generateKeyPair('rsa', { modulusLength: 2048 });
  const ec = await generateKeyPair('ec', { namedCurve: 'P-256' });
  const kid = () => randomBytes(8).toString('base64url');
  const keys = [
    { ...rsa.privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: kid() },
    { ...ec.privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256', kid: kid() },
  ];
  return `${JSON.stringify({ keys }, null, 2)}\n`;
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
    (
      await readOrCreate(
        path.join(options.dir, 'cookie-keys'),
        async () => `${randomBytes(32).toString('base64url')}\n`,
      )
    )
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
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
