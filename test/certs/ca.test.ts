/** The CA module, checked against OpenSSL: chain, EKU, SAN, serials, PKCS#12, CRL, key at rest. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { CaError, CertificateAuthority, fingerprintS256, fromPkcs12 } from '../../certs/index.js';

const run = promisify(execFile);
const openssl = async (...args: string[]) => (await run('openssl', args, { encoding: 'utf8' })).stdout;
const der = (pem: string) => new X509Certificate(pem).raw;

describe('CA', function () {
  let dir: string;
  let ca: CertificateAuthority;
  let caFile: string;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-ca-'));
    ca = await CertificateAuthority.loadOrCreate({
      dir,
      keyPassphrase: 'passphrase-1',
      serverHostnames: ['localhost', '127.0.0.1', 'login.example.jp'],
    });
    caFile = path.join(dir, 'ca.pem');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };

  it('is a CA certificate, loads idempotently, and keeps its key encrypted with mode 0600', async function () {
    const text = await openssl('x509', '-in', caFile, '-noout', '-text');
    expect(text).to.match(/CA:TRUE/);
    expect(text).to.match(/Certificate Sign, CRL Sign/);
    const again = await CertificateAuthority.loadOrCreate({
      dir,
      keyPassphrase: 'passphrase-1',
      serverHostnames: ['localhost', '127.0.0.1', 'login.example.jp'],
    });
    expect(again.certificatePem).to.equal(ca.certificatePem);
    expect(again.serverTls.certPem).to.equal(ca.serverTls.certPem);
    const keyFile = path.join(dir, 'ca.key');
    expect((await stat(keyFile)).mode & 0o777).to.equal(0o600);
    expect(await readFile(keyFile, 'utf8')).to.include('BEGIN ENCRYPTED PRIVATE KEY');
  });

  it('refuses to open the CA key with a wrong passphrase', async function () {
    const error = await CertificateAuthority.loadOrCreate({
      dir,
      keyPassphrase: 'wrong',
      serverHostnames: ['localhost'],
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CaError).with.property('code', 'ca_key_locked');
  });

  it('issues a TLS server certificate for the host names, chained to the CA', async function () {
    const server = new X509Certificate(ca.serverTls.certPem);
    expect(server.subjectAltName)
      .to.include('DNS:localhost')
      .and.include('IP Address:127.0.0.1')
      .and.include('DNS:login.example.jp');
    expect(server.keyUsage).to.include('1.3.6.1.5.5.7.3.1');
    expect(
      await openssl('verify', '-CAfile', caFile, await write('server.check.pem', ca.serverTls.certPem)),
    ).to.include('OK');
  });

  it('issues client certificates: chain, clientAuth, e-mail SAN, CN, fingerprint', async function () {
    const issued = await ca.issueClientCertificate({
      userId: 'p-01-usr012',
      terminalNumber: 2,
      email: 'usr012@example.jp',
      validityDays: 30,
    });
    const leaf = await write('leaf.pem', issued.certificatePem);
    expect(await openssl('verify', '-CAfile', caFile, leaf)).to.include('leaf.pem: OK');
    const text = await openssl('x509', '-in', leaf, '-noout', '-text');
    expect(text).to.include('TLS Web Client Authentication');
    expect(text).to.include('email:usr012@example.jp');
    expect(text).to.include('CN = p-01-usr012 #2');
    expect(text).to.include('CA:FALSE');
    const fp = (await openssl('x509', '-in', leaf, '-noout', '-fingerprint', '-sha256'))
      .split('=')[1]!
      .trim()
      .replace(/:/g, '')
      .toLowerCase();
    expect(issued.fingerprintS256).to.equal(fp);
    expect(fingerprintS256(der(issued.certificatePem))).to.equal(fp);
    expect(issued.notAfter.getTime() - issued.notBefore.getTime()).to.be.closeTo(
      (30 * 86400 + 300) * 1000,
      2000,
    );
  });

  it('gives every certificate a unique positive serial', async function () {
    const serials = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ca
          .issueClientCertificate({
            userId: `p-01-u${i}`,
            terminalNumber: 1,
            email: `u${i}@example.jp`,
            validityDays: 1,
          })
          .then((c) => c.serial),
      ),
    );
    expect(new Set(serials).size).to.equal(20);
    for (const serial of serials) expect(parseInt(serial.slice(0, 2), 16)).to.be.lessThan(0x80);
  });

  it('packs a PKCS#12 (3DES, SHA-1 MAC) that openssl reads with the password and refuses without it', async function () {
    const issued = await ca.issueClientCertificate({
      userId: 'p-01-p12',
      terminalNumber: 1,
      email: 'p12@example.jp',
      validityDays: 30,
    });
    const p12 = ca.toPkcs12({
      privateKeyPem: issued.privateKeyPem,
      certificatePem: issued.certificatePem,
      password: 'Dl-Pass-123',
      friendlyName: issued.subjectCn,
    });
    const file = await write('leaf.p12', p12);
    const info = await run(
      'openssl',
      ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', 'pass:Dl-Pass-123'],
      { encoding: 'utf8' },
    );
    const all = info.stdout + info.stderr;
    expect(all).to.include('pbeWithSHA1And3-KeyTripleDES-CBC');
    expect(all).to.include('MAC: sha1');
    expect(all.match(/BEGIN CERTIFICATE/g)).to.have.length(2);
    expect(all).to.include('friendlyName: p-01-p12 #1');
    const wrong = await run('openssl', [
      'pkcs12',
      '-info',
      '-nokeys',
      '-in',
      file,
      '-passin',
      'pass:nope',
    ]).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(Error);
    const back = fromPkcs12(p12, 'Dl-Pass-123');
    const original = forge.pki.privateKeyFromPem(issued.privateKeyPem) as forge.pki.rsa.PrivateKey;
    expect(
      (forge.pki.privateKeyFromPem(back.privateKeyPem) as forge.pki.rsa.PrivateKey).n.equals(original.n),
    ).to.equal(true);
    expect(() => fromPkcs12(p12, 'nope')).to.throw(CaError);
  });

  it('signs a v2 CRL that openssl verifies and that lists the revoked serials with reasons', async function () {
    const a = await ca.issueClientCertificate({
      userId: 'p-01-r1',
      terminalNumber: 1,
      email: 'r1@example.jp',
      validityDays: 30,
    });
    const b = await ca.issueClientCertificate({
      userId: 'p-01-r2',
      terminalNumber: 1,
      email: 'r2@example.jp',
      validityDays: 30,
    });
    const now = new Date();
    const crl = await ca.createCrl({
      revoked: [
        { serial: a.serial, revokedAt: now, reason: 'keyCompromise' },
        { serial: b.serial, revokedAt: now, reason: 'superseded' },
      ],
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 86400_000),
      crlNumber: 42n,
    });
    const file = await write('crl.der', crl.der);
    const out = await run(
      'openssl',
      ['crl', '-inform', 'DER', '-in', file, '-noout', '-text', '-CAfile', caFile],
      { encoding: 'utf8' },
    );
    expect(out.stderr + out.stdout).to.include('verify OK');
    expect(out.stdout).to.include(a.serial.toUpperCase()).and.include(b.serial.toUpperCase());
    expect(out.stdout).to.include('Key Compromise').and.include('Superseded');
    expect(out.stdout).to.match(/CRL Number: \s*42/);
    const empty = await ca.createCrl({
      revoked: [],
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 86400_000),
      crlNumber: 1,
    });
    expect(await openssl('crl', '-in', await write('empty.pem', empty.pem), '-noout', '-text')).to.include(
      'No Revoked Certificates',
    );
  });

  it('signs a CRL of thousands of entries that openssl verifies, serials and dates as given', async function () {
    const now = new Date('2049-12-31T23:59:59Z');
    const revoked = Array.from({ length: 3000 }, (_, i) => ({
      // A high first byte (needs a 00 pad), a leading zero nibble, and ordinary 16-byte serials.
      serial:
        i === 0
          ? 'ff01'
          : i === 1
            ? '0a0b'
            : (BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '1'),
      revokedAt: i === 2 ? new Date('2051-02-03T04:05:06Z') : now,
      reason: i % 2 ? 'superseded' : undefined,
    }));
    const crl = await ca.createCrl({
      revoked,
      thisUpdate: now,
      nextUpdate: new Date('2050-01-01T12:00:00Z'),
      crlNumber: 7n,
    });
    const out = await run(
      'openssl',
      ['crl', '-inform', 'DER', '-in', await write('big.crl', crl.der), '-noout', '-text', '-CAfile', caFile],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(out.stderr + out.stdout).to.include('verify OK');
    expect(out.stdout.match(/Serial Number:/g)).to.have.length(3000);
    expect(out.stdout.match(/Superseded/g)).to.have.length(1500);
    expect(out.stdout).to.include('Serial Number: FF01').and.include('Serial Number: 0A0B');
    expect(out.stdout)
      .to.include('Feb  3 04:05:06 2051 GMT')
      .and.include('Next Update: Jan  1 12:00:00 2050 GMT');
  });

  it('reuses a CRL entry from the last CRL only while its serial, time and reason are the same', async function () {
    const now = new Date('2030-01-02T03:04:05Z');
    const crlOf = (revoked: { serial: string; revokedAt: Date; reason?: string }[]) =>
      ca.createCrl({ revoked, thisUpdate: now, nextUpdate: new Date('2030-01-03T00:00:00Z'), crlNumber: 9n });
    const first = [
      { serial: 'abc123', revokedAt: now, reason: 'superseded' },
      { serial: 'abc124', revokedAt: now, reason: 'superseded' },
    ];
    const cold = await crlOf(first);
    // The same serial revoked again with another time and reason (as the store would never do, but a
    // key that forgot either would hand out the old bytes).
    const changed = await crlOf([
      { serial: 'abc123', revokedAt: new Date('2030-01-01T00:00:00Z'), reason: 'keyCompromise' },
      { serial: 'abc124', revokedAt: now },
    ]);
    const text = await openssl('crl', '-in', await write('changed.pem', changed.pem), '-noout', '-text');
    expect(text)
      .to.include('Key Compromise')
      .and.include('Jan  1 00:00:00 2030 GMT')
      .and.not.include('Superseded');
    expect((await crlOf(first)).der.equals(cold.der), 'the same CRL from reused entries').to.equal(true);
  });

  it('verifies presented certificates: ours ok; foreign, expired, server-only and garbage refused', async function () {
    const issued = await ca.issueClientCertificate({
      userId: 'p-01-v',
      terminalNumber: 1,
      email: 'v@example.jp',
      validityDays: 10,
    });
    const check = ca.verifyClientCertificate(der(issued.certificatePem), new Date());
    expect(check).to.deep.include({
      ok: true,
      serial: issued.serial,
      subjectCn: 'p-01-v #1',
      email: 'v@example.jp',
    });
    expect(
      ca.verifyClientCertificate(der(issued.certificatePem), new Date(Date.now() + 11 * 86400_000)),
    ).to.include({ ok: false, reason: 'expired' });
    expect(
      ca.verifyClientCertificate(der(issued.certificatePem), new Date(Date.now() - 86400_000)),
    ).to.include({ ok: false, reason: 'not_yet_valid' });
    expect(ca.verifyClientCertificate(der(ca.serverTls.certPem), new Date())).to.include({
      ok: false,
      reason: 'not_client_auth',
    });
    expect(ca.verifyClientCertificate(Buffer.from('not a certificate'), new Date())).to.deep.equal({
      ok: false,
      reason: 'malformed',
    });

    const otherDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-ca2-'));
    try {
      const other = await CertificateAuthority.loadOrCreate({
        dir: otherDir,
        keyPassphrase: 'x',
        serverHostnames: ['localhost'],
      });
      const foreign = await other.issueClientCertificate({
        userId: 'p-01-v',
        terminalNumber: 1,
        email: 'v@example.jp',
        validityDays: 10,
      });
      expect(ca.verifyClientCertificate(der(foreign.certificatePem), new Date())).to.include({
        ok: false,
        reason: 'not_issued_by_ca',
      });
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('issues from a CSR, taking subject and e-mail from Tobira, never from the request', async function () {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    csr.setSubject([{ name: 'commonName', value: 'attacker-chosen-admin' }]);
    csr.sign(
      forge.pki.privateKeyFromPem(
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ) as forge.pki.rsa.PrivateKey,
      forge.md.sha256.create(),
    );
    const issued = await ca.issueFromCsr({
      csrPem: forge.pki.certificationRequestToPem(csr),
      userId: 'p-01-csr',
      terminalNumber: 3,
      email: 'csr@example.jp',
      validityDays: 30,
    });
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.subject).to.include('CN=p-01-csr #3').and.not.include('attacker');
    expect(cert.checkPrivateKey(privateKey)).to.equal(true);
    const bad = await ca
      .issueFromCsr({
        csrPem: 'garbage',
        userId: 'x',
        terminalNumber: 1,
        email: 'x@example.jp',
        validityDays: 1,
      })
      .catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(CaError).with.property('code', 'csr_invalid');
  });

  it('uses operator-supplied CA files as given', async function () {
    const operatorDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-op-'));
    try {
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=Operator CA',
        '-days',
        '30',
        '-keyout',
        path.join(operatorDir, 'op.key'),
        '-out',
        path.join(operatorDir, 'op.pem'),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      const op = await CertificateAuthority.loadOrCreate({
        dir: path.join(operatorDir, 'generated'),
        keyPassphrase: 'unused',
        serverHostnames: ['localhost'],
        operator: {
          caCertFile: path.join(operatorDir, 'op.pem'),
          caKeyFile: path.join(operatorDir, 'op.key'),
        },
      });
      expect(op.certificatePem).to.equal(await readFile(path.join(operatorDir, 'op.pem'), 'utf8'));
      const issued = await op.issueClientCertificate({
        userId: 'p-01-op',
        terminalNumber: 1,
        email: 'op@example.jp',
        validityDays: 1,
      });
      expect(
        await openssl(
          'verify',
          '-CAfile',
          path.join(operatorDir, 'op.pem'),
          await write('op-leaf.pem', issued.certificatePem),
        ),
      ).to.include('OK');
    } finally {
      await rm(operatorDir, { recursive: true, force: true });
    }
  });
});
