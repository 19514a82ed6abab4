/**
 * Throwaway TLS material made by the openssl command line (independent of Tobira's own CA code):
 * a self-signed server certificate for 127.0.0.1/localhost and a self-signed client certificate,
 * also as PKCS#12.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SelfSigned {
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  clientPfx: Buffer;
  clientPfxPassword: string;
}

function selfSigned(dir: string, name: string, subject: string, extension: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      path.join(dir, `${name}.key`),
      '-out',
      path.join(dir, `${name}.pem`),
      '-days',
      '1',
      '-subj',
      subject,
      '-addext',
      extension,
    ],
    { stdio: 'pipe' },
  );
}

export function makeSelfSigned(): SelfSigned {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tobira-tls-'));
  try {
    selfSigned(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    selfSigned(dir, 'client', '/CN=p-00-test #1', 'extendedKeyUsage=clientAuth');
    const clientPfxPassword = 'pfx-pass-123';
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-in',
      path.join(dir, 'client.pem'),
      '-inkey',
      path.join(dir, 'client.key'),
      '-out',
      path.join(dir, 'client.p12'),
      '-passout',
      `pass:${clientPfxPassword}`,
    ]);
    const read = (file: string) => readFileSync(path.join(dir, file));
    return {
      serverCert: read('server.pem').toString(),
      serverKey: read('server.key').toString(),
      clientCert: read('client.pem').toString(),
      clientKey: read('client.key').toString(),
      clientPfx: read('client.p12'),
      clientPfxPassword,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
