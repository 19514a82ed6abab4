/**
 * The HTTPS listener: asks every client for a certificate issued by our CA but does not require one
 * at the TLS level, so a missing or foreign certificate gets a clear page instead of a TLS error.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Tobira } from './app.js';

/**
 * TLS 1.2 suites: forward-secret key exchange (ECDHE) with AEAD ciphers only — no static-RSA key
 * exchange, no CBC. TLS 1.3 suites are set separately by Node (all AEAD) and stay as they are.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(
  tobira: Tobira,
  options: { host?: string; port?: number } = {},
): Promise<RunningServer> {
  const { serverTls, certificatePem } = tobira.ca;
  const server = https.createServer(
    {
      key: serverTls.keyPem,
      cert: serverTls.chainPem,
      // The CertificateRequest names our CA, so browsers offer only certificates it issued.
      ca: [certificatePem],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ciphers: TLS12_CIPHERS,
      honorCipherOrder: true,
    },
    tobira.callback,
  );
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const host = options.host ?? tobira.config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? tobira.config.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? 'localhost' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
