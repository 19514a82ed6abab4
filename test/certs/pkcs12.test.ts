/**
 * The natively built PKCS#12 against node-forge (which built it before) and OpenSSL: the same layout,
 * readable by both, the key and certificate inside matching; its SHA-1 iteration and KDF against
 * node:crypto and forge.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import {
  CaError,
  fromPkcs12,
  type CertificateAuthority,
  type IssuedClientCertificate,
} from '../../certs/index.js';
import { toPkcs12, type Pkcs12Input } from '../../certs/pkcs12.js';
import { iterateSha1, KdfPurpose, pkcs12Kdf, pkcs12Kdfs } from '../../certs/pkcs12-kdf.js';
import { iterateSha1Chains } from '../../certs/sha1-chain.js';
import { tempCa } from './temp-ca.js';

const run = promisify(execFile);

describe('PKCS#12 (node:crypto)', function () {
  let dir: string;
  let ca: CertificateAuthority;
  let remove: () => Promise<void>;
  let issued: IssuedClientCertificate;
  let input: Pkcs12Input;

  before(async function () {
    ({ ca, dir, remove } = await tempCa());
    // A user ID outside ASCII: the friendlyName is a BMPString.
    issued = await ca.issueClientCertificate({
      userId: 'p-01-ユーザー',
      terminalNumber: 3,
      email: 'p12@example.jp',
      validityDays: 30,
    });
    input = {
      privateKeyPem: issued.privateKeyPem,
      certificatePem: issued.certificatePem,
      caCertificatePem: ca.certificatePem,
      password: 'Dl-Pass-123',
      friendlyName: issued.subjectCn,
    };
  });
  after(() => remove());

  const write = async (name: string, content: Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };
  /** Everything openssl prints of a PKCS#12, the key decrypted (salts are not printed, their lengths are). */
  const opensslInfo = async (file: string, password: string) => {
    const out = await run(
      'openssl',
      ['pkcs12', '-info', '-nodes', '-in', file, '-passin', `pass:${password}`],
      {
        encoding: 'utf8',
      },
    );
    return out.stdout + out.stderr;
  };
  /** What the PKCS#12 was before: forge's toPkcs12Asn1 with the same options. */
  const forgePkcs12 = (): Buffer => {
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(input.privateKeyPem),
      [
        forge.pki.certificateFromPem(input.certificatePem),
        forge.pki.certificateFromPem(input.caCertificatePem),
      ],
      input.password,
      { algorithm: '3des', friendlyName: input.friendlyName, generateLocalKeyId: true, count: 2048 },
    );
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  };

  it('iterates SHA-1 exactly as node:crypto does', function () {
    for (const times of [0, 1, 2, 37, 2047]) {
      const start = randomBytes(20);
      let expected = start;
      for (let i = 0; i < times; i += 1) expected = createHash('sha1').update(expected).digest();
      expect(iterateSha1(start, times).toString('hex'), `${times} rounds`).to.equal(expected.toString('hex'));
    }
  });

  it('iterates several SHA-1 chains side by side exactly as node:crypto does, one to nine at once', function () {
    for (const chains of [1, 2, 3, 4, 5, 9]) {
      for (const times of [0, 1, 37, 2047]) {
        const starts = Array.from({ length: chains }, () => randomBytes(20));
        const expected = starts.map((start) => {
          let value = start;
          for (let i = 0; i < times; i += 1) value = createHash('sha1').update(value).digest();
          return value.toString('hex');
        });
        expect(
          iterateSha1Chains(starts, times).map((d) => d.toString('hex')),
          `${chains} chains, ${times} rounds`,
        ).to.deep.equal(expected);
      }
    }
  });

  it('derives side by side what it derives one by one (key and IV of one salt, MAC key of another)', function () {
    for (const password of ['Dl-Pass-123', 'パスワード', '']) {
      const keySalt = randomBytes(8);
      const macSalt = randomBytes(8);
      const requests = [
        { salt: keySalt, purpose: KdfPurpose.key, n: 24 },
        { salt: keySalt, purpose: KdfPurpose.iv, n: 8 },
        { salt: macSalt, purpose: KdfPurpose.mac, n: 20 },
        { salt: macSalt, purpose: KdfPurpose.key, n: 45 },
      ];
      expect(pkcs12Kdfs(password, requests, 2048).map((b) => b.toString('hex'))).to.deep.equal(
        requests.map((r) =>
          Buffer.from(
            forge.pkcs12
              .generateKey(password, forge.util.createBuffer(r.salt.toString('binary')), r.purpose, 2048, r.n)
              .getBytes(),
            'binary',
          ).toString('hex'),
        ),
      );
    }
  });

  it('derives the key, IV and MAC key as forge does (RFC 7292 B.2), also for long and non-ASCII passwords', function () {
    for (const password of ['Dl-Pass-123', 'パスワード-ダウンロード', 'x'.repeat(70), '']) {
      const salt = randomBytes(8);
      for (const [purpose, n] of [
        [KdfPurpose.key, 24],
        [KdfPurpose.iv, 8],
        [KdfPurpose.mac, 20],
      ] as const) {
        const theirs = forge.pkcs12.generateKey(
          password,
          forge.util.createBuffer(salt.toString('binary')),
          purpose,
          2048,
          n,
        );
        expect(
          pkcs12Kdf(password, salt, purpose, 2048, n).toString('binary'),
          `${password} ${purpose}`,
        ).to.equal(theirs.getBytes());
      }
    }
  });

  it('has forge’s layout: openssl prints the same for both files (3DES key bag, SHA-1 MAC, 2048 iterations, bag attributes)', async function () {
    const ours = await opensslInfo(await write('ours.p12', toPkcs12(input)), input.password);
    const forges = await opensslInfo(await write('forge.p12', forgePkcs12()), input.password);
    expect(ours).to.equal(forges);
    expect(ours).to.include('MAC: sha1, Iteration 2048');
    expect(ours).to.include('MAC length: 20, salt length: 8');
    expect(ours).to.include('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    expect(ours.match(/BEGIN CERTIFICATE/g)).to.have.length(2);
    const localKeyId = createHash('sha1')
      .update(new X509Certificate(issued.certificatePem).raw)
      .digest('hex');
    const printed = /localKeyID: ([0-9A-F ]+)/.exec(ours)?.[1]?.replace(/ /g, '').toLowerCase();
    expect(printed).to.equal(localKeyId);
    // The friendlyName, a BMPString (openssl prints it byte-wise), on both the key and the leaf's bag.
    const parsed = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(toPkcs12(input).toString('binary')),
      input.password,
    );
    const names = parsed.getBags({ friendlyName: issued.subjectCn }).friendlyName ?? [];
    expect(names.map((bag) => bag.type)).to.have.members([
      forge.pki.oids.certBag,
      forge.pki.oids.pkcs8ShroudedKeyBag,
    ]);
  });

  it('holds the issued key and certificates: openssl -nodes and forge both give them back', async function () {
    const p12 = toPkcs12(input);
    const file = await write('check.p12', p12);
    const out = await run('openssl', ['pkcs12', '-in', file, '-nodes', '-passin', `pass:${input.password}`], {
      encoding: 'utf8',
    });
    const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(out.stdout)![0];
    const leaf = new X509Certificate(issued.certificatePem);
    expect(leaf.checkPrivateKey(createPrivateKey(keyPem))).to.equal(true);
    expect(out.stdout).to.include(issued.certificatePem.split('\n')[1]!);
    expect(out.stdout).to.include(ca.certificatePem.split('\n')[1]!);

    const back = fromPkcs12(p12, input.password);
    expect(forge.pki.privateKeyToPem(forge.pki.privateKeyFromPem(back.privateKeyPem))).to.equal(
      forge.pki.privateKeyToPem(forge.pki.privateKeyFromPem(input.privateKeyPem)),
    );
    expect(back.certificatesPem.map((pem) => new X509Certificate(pem).fingerprint256)).to.deep.equal([
      leaf.fingerprint256,
      new X509Certificate(ca.certificatePem).fingerprint256,
    ]);
  });

  it('refuses a wrong password in openssl and forge, and salts every file afresh', async function () {
    const p12 = toPkcs12(input);
    const file = await write('wrong.p12', p12);
    const refused = await opensslInfo(file, 'nope').catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(Error);
    expect(() => fromPkcs12(p12, 'nope')).to.throw(CaError);
    expect(toPkcs12(input).equals(p12)).to.equal(false);
  });
});
