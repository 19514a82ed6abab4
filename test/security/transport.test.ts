/**
 * The HTTPS listener's TLS: at least 1.2; on 1.2 only ECDHE key exchange with AEAD ciphers (no static
 * RSA, no CBC); 1.3 as Node offers it. Real handshakes against a real Tobira with node:tls.
 */
import { expect } from 'chai';
import tls from 'node:tls';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('security: TLS of the HTTPS listener', function () {
  let t: TestTobira;
  before(async function () {
    t = await startTestTobira();
  });
  after(async () => t?.close());

  /** Handshake with the given client settings: the negotiated protocol and cipher, or the error. */
  const handshake = (options: tls.ConnectionOptions) =>
    new Promise<{ protocol: string | null; cipher: string } | { error: string }>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: t.server.port,
        ca: t.tobira.ca.certificatePem,
        servername: 'localhost',
        rejectUnauthorized: false,
        ...options,
      });
      socket.once('secureConnect', () => {
        resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().standardName });
        socket.destroy();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
  const tls12 = (ciphers: string) => handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers });

  it('refuses TLS 1.2 suites without forward secrecy or with CBC', async function () {
    for (const cipher of [
      'AES128-GCM-SHA256', // static RSA key exchange
      'AES256-SHA256', // static RSA, CBC
      'ECDHE-RSA-AES128-SHA256', // CBC
      'ECDHE-RSA-AES256-SHA', // CBC, SHA-1
      'DHE-RSA-AES128-GCM-SHA256', // finite-field DHE: not offered either
    ]) {
      const result = await tls12(cipher);
      expect(result, cipher).to.have.property('error');
    }
  });

  it('accepts TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305', async function () {
    for (const cipher of [
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-RSA-CHACHA20-POLY1305',
    ]) {
      const result = await tls12(cipher);
      expect(result, cipher).to.deep.include({ protocol: 'TLSv1.2' });
    }
    expect(await tls12('ECDHE-RSA-AES128-GCM-SHA256')).to.deep.equal({
      protocol: 'TLSv1.2',
      cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    });
  });

  it('negotiates TLS 1.3 by default and refuses TLS 1.1', async function () {
    expect(await handshake({})).to.deep.include({ protocol: 'TLSv1.3' });
    const old = await handshake({
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(old).to.have.property('error');
  });
});
