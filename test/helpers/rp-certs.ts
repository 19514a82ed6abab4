/**
 * Relying parties' TLS client certificates, made by the openssl command line (independent of Tobira's
 * CA code): a CA an operator would trust for tls_client_auth, a certificate it issued to an RP, one a
 * foreign CA issued with the same subject, and a self-signed one (with its JWK and x5c).
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface RpCertificates {
  /** The CA an operator puts into `mtlsClientCaFile`. */
  ca: KeyPair;
  /** Issued by `ca` to `CN=rp.example.test,O=Tobira Test RP`, SAN DNS rp.example.test. */
  issued: KeyPair;
  /** Same subject, issued by another CA. */
  foreign: KeyPair;
  selfSigned: KeyPair & { jwk: Record<string, unknown> };
}

export const RP_SUBJECT_DN = 'CN=rp.example.test,O=Tobira Test RP';
export const RP_SAN_DNS = 'rp.example.test';

const QUIET = { stdio: 'pipe' } as const;
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function makeCa(dir: string, name: string): KeyPair {
  const [key, cert] = [path.join(dir, `${name}.key`), path.join(dir, `${name}.pem`)];
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`],
      ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ],
    QUIET,
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

function issue(dir: string, name: string, caName: string): KeyPair {
  const file = (ext: string) => path.join(dir, `${name}.${ext}`);
  const ext = file('ext');
  writeFileSync(ext, `subjectAltName=DNS:${RP_SAN_DNS}\nextendedKeyUsage=clientAuth\n`);
  execFileSync(
    'openssl',
    [
      ...[
        'req',
        '-new',
        ...EC,
        '-keyout',
        file('key'),
        '-out',
        file('csr'),
        '-subj',
        '/O=Tobira Test RP/CN=rp.example.test',
      ],
    ],
    QUIET,
  );
  execFileSync(
    'openssl',
    [
      ...['x509', '-req', '-in', file('csr'), '-CA', path.join(dir, `${caName}.pem`)],
      ...[
        '-CAkey',
        path.join(dir, `${caName}.key`),
        '-CAcreateserial',
        '-out',
        file('pem'),
        '-days',
        '1',
        '-extfile',
        ext,
      ],
    ],
    QUIET,
  );
  return { key: readFileSync(file('key'), 'utf8'), cert: readFileSync(file('pem'), 'utf8') };
}

function selfSigned(dir: string): RpCertificates['selfSigned'] {
  const [key, cert] = [path.join(dir, 'self.key'), path.join(dir, 'self.pem')];
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=self-signed RP'],
      ...['-addext', 'extendedKeyUsage=clientAuth'],
    ],
    QUIET,
  );
  const pem = readFileSync(cert, 'utf8');
  const jwk = {
    ...createPublicKey(pem).export({ format: 'jwk' }),
    x5c: [new X509Certificate(pem).raw.toString('base64')],
  };
  return { key: readFileSync(key, 'utf8'), cert: pem, jwk };
}

export function makeRpCertificates(): RpCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tobira-rp-tls-'));
  try {
    const ca = makeCa(dir, 'rp-ca');
    makeCa(dir, 'foreign-ca');
    return {
      ca,
      issued: issue(dir, 'rp', 'rp-ca'),
      foreign: issue(dir, 'foreign', 'foreign-ca'),
      selfSigned: selfSigned(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
