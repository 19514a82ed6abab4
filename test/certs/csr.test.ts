/**
 * PKCS#10 requests checked natively (certs/csr.ts): requests as forge and the openssl CLI write them,
 * tampered ones, and the keys and algorithms Tobira refuses.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CaError } from '../../certs/index.js';
import { checkCsr } from '../../certs/csr.js';
import { makeCsr } from '../helpers/csr.js';

const run = promisify(execFile);

const refusal = (csrPem: string, minBits = 2048): CaError => {
  try {
    checkCsr(csrPem, minBits);
  } catch (error) {
    expect(error).to.be.instanceOf(CaError).with.property('code', 'csr_invalid');
    return error as CaError;
  }
  throw new Error('the request was accepted');
};

const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const pem = (bytes: Buffer) =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${bytes.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;

describe('certificate requests (PKCS#10, verified natively)', function () {
  this.timeout(60_000);
  let dir: string;
  /** A request made by the openssl CLI with `args` for the key and signature. */
  const opensslCsr = async (name: string, ...args: string[]) => {
    const out = path.join(dir, `${name}.csr`);
    await run('openssl', [
      ...['req', '-new', '-nodes', '-subj', '/CN=device', '-keyout', path.join(dir, `${name}.key`)],
      ...['-out', out, ...args],
    ]);
    return readFile(out, 'utf8');
  };

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-csr-'));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a request as forge writes it and gives its key', function () {
    const device = makeCsr(2048);
    const checked = checkCsr(device.csrPem, 2048);
    expect(checked.bits).to.equal(2048);
    const spki = createPublicKey(device.privateKey).export({ type: 'spki', format: 'der' });
    expect(checked.spkiDer).to.deep.equal(spki);
    expect(checked.publicKey.export({ type: 'spki', format: 'der' })).to.deep.equal(spki);
  });

  it('accepts requests the openssl CLI signs with SHA-256, SHA-512 and RSASSA-PSS', async function () {
    for (const [name, args] of [
      ['sha256', ['-newkey', 'rsa:2048', '-sha256']],
      ['sha512', ['-newkey', 'rsa:3072', '-sha512']],
      ['pss', ['-newkey', 'rsa:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss']],
    ] as const) {
      const csrPem = await opensslCsr(name, ...args);
      expect(checkCsr(csrPem, 2048).bits, name).to.equal(name === 'sha512' ? 3072 : 2048);
    }
  });

  it('refuses a request whose signed part or signature was changed', function () {
    const bytes = der(makeCsr(2048).csrPem);
    // The subject's CN text sits in the signed CertificationRequestInfo; the signature ends the request.
    const subject = bytes.indexOf(Buffer.from('chosen-by-the-device'));
    expect(subject).to.be.greaterThan(0);
    const inInfo = Buffer.from(bytes);
    inInfo[subject] = inInfo[subject]! ^ 0x01;
    const inSignature = Buffer.from(bytes);
    inSignature[inSignature.length - 1] = inSignature.at(-1)! ^ 0x01;
    for (const tampered of [inInfo, inSignature])
      expect(refusal(pem(tampered)).message).to.match(/signature does not verify/);
  });

  it('refuses keys that are not RSA, too small for the policy, and MD5 signatures', async function () {
    const ec = await opensslCsr('ec', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256');
    expect(refusal(ec).message).to.match(/RSA PKCS#10/);
    const ed = await opensslCsr('ed', '-newkey', 'ed25519');
    expect(refusal(ed).message).to.match(/RSA PKCS#10/);
    expect(refusal(makeCsr(1024).csrPem).message).to.match(/too small \(1024 bits, 2048 required\)/);
    expect(refusal(makeCsr(2048).csrPem, 3072).message).to.match(/too small \(2048 bits, 3072 required\)/);
    const md5 = await opensslCsr('md5', '-newkey', 'rsa:2048', '-md5').catch(() => null);
    if (md5) expect(refusal(md5).message).to.match(/unsupported algorithm/);
  });

  it('refuses what is not one DER request in a CERTIFICATE REQUEST block', function () {
    const bytes = der(makeCsr(2048).csrPem);
    refusal('garbage');
    refusal(makeCsr(2048).csrPem.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE'));
    refusal(pem(Buffer.concat([bytes, Buffer.from([0])]))); // trailing bytes
    refusal(pem(bytes.subarray(0, bytes.length - 10))); // cut short
    const indefinite = Buffer.from(bytes);
    indefinite[1] = 0x80; // BER's indefinite length
    refusal(pem(indefinite));
  });
});
