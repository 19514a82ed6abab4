/** Config, keys at rest, hashing, locale choice and who-is-calling: the small parts everything uses. */
import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import { ConfigError, loadConfig, serverHostnames } from '../../src/config.js';
import { PasswordHasher } from '../../src/crypto/password-hasher.js';
import { SecretBox, SecretBoxError } from '../../src/crypto/secret-box.js';
import { clientCertificateDer, sourceIp } from '../../src/http/client-context.js';
import { allKeys, negotiateLocale, t } from '../../src/i18n/index.js';
import { loadKeyMaterial } from '../../src/keys.js';

describe('foundation', function () {
  describe('config', function () {
    it('has defaults that work on a fresh clone', function () {
      const config = loadConfig({});
      expect(config).to.include({
        issuer: 'https://localhost:8443',
        port: 8443,
        dataDir: 'var',
        store: 'sqlite',
        argon2MemoryKib: 19456,
      });
      expect(serverHostnames(config)).to.include.members(['localhost', '127.0.0.1']);
    });

    it('reads TOBIRA_* variables and a JSON file; the environment wins', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-config-'));
      try {
        const file = path.join(dir, 'tobira.json');
        await writeFile(file, JSON.stringify({ port: 9443, serviceName: 'Bank Login' }));
        const config = loadConfig({
          TOBIRA_CONFIG_FILE: file,
          TOBIRA_PORT: '10443',
          TOBIRA_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2',
        });
        expect(config).to.include({ port: 10443, serviceName: 'Bank Login' });
        expect(config.trustedProxies).to.deep.equal(['10.0.0.1', '10.0.0.2']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('fails with one line naming the variable and the value', function () {
      expect(() => loadConfig({ TOBIRA_PORT: 'eighty' })).to.throw(
        ConfigError,
        /TOBIRA_PORT \(port\) = "eighty"/,
      );
      expect(() => loadConfig({ TOBIRA_ISSUER: 'http://insecure.example' })).to.throw(
        ConfigError,
        /TOBIRA_ISSUER/,
      );
      expect(() => loadConfig({ TOBIRA_STORE: 'mongodb' })).to.throw(ConfigError, /TOBIRA_MONGODB_URI/);
      expect(() => loadConfig({ TOBIRA_CONFIG_FILE: '/nonexistent.json' })).to.throw(
        ConfigError,
        /TOBIRA_CONFIG_FILE/,
      );
      expect(() => loadConfig({ TOBIRA_ACCESS_LOG: 'maybe' })).to.throw(ConfigError, /TOBIRA_ACCESS_LOG/);
      expect(loadConfig({ TOBIRA_ACCESS_LOG: 'false' }).accessLog).to.equal(false);
    });

    it('names a bad secret setting without echoing its value', function () {
      let message = '';
      try {
        loadConfig({ TOBIRA_METRICS_TOKEN: 'short-s3cret' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).to.match(/TOBIRA_METRICS_TOKEN \(metricsToken\) = \(secret, not shown\)/);
      expect(message).to.not.include('short-s3cret');
    });
  });

  describe('keys and secrets at rest', function () {
    it('generates key files once with mode 0600 and reads the same keys again', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-keys-'));
      try {
        const first = await loadKeyMaterial({ dir });
        const second = await loadKeyMaterial({ dir });
        expect(second.dataKey.equals(first.dataKey)).to.equal(true);
        expect(second.jwks).to.deep.equal(first.jwks);
        expect(first.jwks.keys.map((k) => k.alg)).to.deep.equal(['RS256', 'ES256']);
        for (const name of ['data.key', 'cookie-keys', 'jwks.json'])
          expect((await stat(path.join(dir, name))).mode & 0o777, name).to.equal(0o600);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('seals secrets with AES-GCM bound to their purpose', function () {
      const box = new SecretBox(Buffer.alloc(32, 7));
      const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:a1');
      expect(sealed).to.match(/^v1\./).and.not.include('JBSWY3DP');
      expect(box.openText(sealed, 'totp:a1')).to.equal('JBSWY3DPEHPK3PXP');
      expect(() => box.open(sealed, 'totp:a2')).to.throw(SecretBoxError);
      expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'totp:a1')).to.throw(SecretBoxError);
      expect(box.seal('same', 'p')).to.not.equal(box.seal('same', 'p'));
    });
  });

  describe('password hasher', function () {
    const hasher = new PasswordHasher();
    it('hashes with argon2id at the configured cost and verifies', async function () {
      const hash = await hasher.hash('Correct-Horse-9');
      expect(hash)
        .to.match(/^\$argon2id\$v=19\$/)
        .and.include('m=19456')
        .and.include('t=2')
        .and.include('p=1');
      expect(await hasher.verify(hash, 'Correct-Horse-9')).to.equal(true);
      expect(await hasher.verify(hash, 'correct-horse-9')).to.equal(false);
      expect(await hasher.verify('not a hash', 'x')).to.equal(false);
      expect(await hasher.matchesAny(['garbage', hash], 'Correct-Horse-9')).to.equal(true);
      expect(await hasher.matchesAny([], 'x')).to.equal(false);
    });

    it('knows weaker hashes need re-hashing, and spends real work on unknown users', async function () {
      const weak = await argon2.hash('x', {
        type: argon2.argon2id,
        memoryCost: 8192,
        timeCost: 1,
        parallelism: 1,
      });
      expect(hasher.needsRehash(weak)).to.equal(true);
      expect(hasher.needsRehash(await hasher.hash('x'))).to.equal(false);
      await hasher.dummyVerify('warm up');
      const started = process.hrtime.bigint();
      expect(await hasher.dummyVerify('anything')).to.equal(false);
      expect(Number(process.hrtime.bigint() - started) / 1e6, 'ms of argon2 work').to.be.greaterThan(1);
    });
  });

  describe('locale', function () {
    it('prefers an explicit choice, then Accept-Language by quality, then Japanese', function () {
      expect(negotiateLocale(undefined, undefined)).to.equal('ja');
      expect(negotiateLocale('en', 'ja')).to.equal('en');
      expect(negotiateLocale(undefined, 'fr-FR,en;q=0.8,ja;q=0.5')).to.equal('en');
      expect(negotiateLocale(undefined, 'ja-JP,en;q=0.9')).to.equal('ja');
      expect(negotiateLocale('xx', 'de')).to.equal('ja');
    });

    it('has every message in both languages', function () {
      expect(allKeys('en').sort()).to.deep.equal(allKeys('ja').sort());
      expect(t('ja', 'login.remaining_warning', { remaining: 2 })).to.equal(
        '警告：あと 2 回パスワードを間違えると、アカウントがロックアウトされます。',
      );
    });
  });

  describe('client context', function () {
    const request = (
      remoteAddress: string,
      headers: Record<string, string> = {},
      peer: { raw?: Buffer } = {},
    ) =>
      ({
        socket: { remoteAddress, getPeerX509Certificate: () => (peer.raw ? peer : undefined) },
        headers,
      }) as unknown as IncomingMessage;
    const trust = { trustedProxies: ['10.0.0.5'], certHeader: 'x-ssl-client-cert' };

    it('takes the source IP from the socket, or from X-Forwarded-For only behind a trusted proxy', function () {
      expect(sourceIp(request('::ffff:192.0.2.7', { 'x-forwarded-for': '203.0.113.9' }), trust)).to.equal(
        '192.0.2.7',
      );
      expect(
        sourceIp(request('10.0.0.5', { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' }), trust),
      ).to.equal('203.0.113.9');
    });

    it('reads the certificate from TLS, or from the proxy header only when the proxy is trusted', function () {
      expect(clientCertificateDer(request('192.0.2.7'), trust)).to.equal(null);
      expect(
        clientCertificateDer(request('192.0.2.7', {}, { raw: Buffer.from([1, 2]) }), trust),
      ).to.deep.equal(Buffer.from([1, 2]));
      expect(clientCertificateDer(request('192.0.2.7', { 'x-ssl-client-cert': 'spoofed' }), trust)).to.equal(
        null,
      );
      expect(
        clientCertificateDer(request('10.0.0.5', { 'x-ssl-client-cert': 'garbage' }), trust)?.toString(),
      ).to.equal('malformed');
    });
  });
});
