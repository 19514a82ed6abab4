/**
 * Client certificates written with der.ts (certs/client-cert.ts) are the bytes forge's builder writes
 * for the same template: the same fields, in the same encodings, so every parser that read them reads
 * these. Signatures are PKCS#1 v1.5 (deterministic), so whole certificates compare.
 */
import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { certificatePem, clientTbs, signedCertificate } from '../../certs/client-cert.js';
import {
  buildCertificate,
  caExtensions,
  clientExtensions,
  subject,
  toDer,
  toPem,
} from '../../certs/issue.js';
import { forgePublicKeyFromSpki, signSha256 } from '../../certs/keys.js';

describe('client certificates without forge', function () {
  let caKey: KeyObject;
  let caCertificate: forge.pki.Certificate;
  let issuer: { nameDer: Buffer; keyIdentifier: Buffer };

  before(async function () {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    caKey = privateKey;
    caCertificate = await buildCertificate(
      {
        serial: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
        subject: subject('東京 Root CA', 'Tobira テスト'),
        publicKey: forgePublicKeyFromSpki(publicKey.export({ type: 'spki', format: 'der' })),
        now: new Date('2026-01-02T03:04:05Z'),
        validityDays: 3650,
        extensions: caExtensions(),
      },
      { certificate: null, privateKey },
    );
    // As ca.ts takes them from the CA certificate.
    issuer = {
      nameDer: Buffer.from(
        forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(caCertificate.subject)).getBytes(),
        'binary',
      ),
      keyIdentifier: Buffer.from(caCertificate.generateSubjectKeyIdentifier().getBytes(), 'binary'),
    };
  });

  const cases = [
    {
      bits: 2048,
      userId: 'p-70-user1',
      email: 'user1@example.jp',
      days: 365,
      now: '2026-12-03T11:40:00.123Z',
    },
    {
      bits: 3072,
      userId: 'ユーザー二',
      email: 'u2.long-address+tag@example.co.jp',
      days: 730,
      now: '2026-02-28T23:59:59.999Z',
    },
    // notAfter in 2050 and later: GeneralizedTime.
    { bits: 2048, userId: 'x', email: 'a@b.c', days: 9000, now: '2026-06-30T00:00:00Z' },
  ];

  for (const c of cases) {
    it(`writes forge's certificate byte for byte (RSA-${c.bits}, ${c.days} days, ${c.userId})`, async function () {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: c.bits });
      const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
      const serial = `${(1 + Math.floor(Math.random() * 0x7e)).toString(16).padStart(2, '0')}${'c3'.repeat(15)}`;
      const now = new Date(c.now);
      const cn = `${c.userId} #3`;
      const theirs = await buildCertificate(
        {
          serial,
          subject: subject(cn, 'Tobira テスト'),
          publicKey: forgePublicKeyFromSpki(spkiDer),
          now,
          validityDays: c.days,
          extensions: clientExtensions(c.email),
        },
        { certificate: caCertificate, privateKey: caKey },
      );
      const { tbs, notBefore, notAfter } = clientTbs(issuer, {
        serial,
        commonName: cn,
        organization: 'Tobira テスト',
        email: c.email,
        spkiDer,
        now,
        validityDays: c.days,
      });
      const ours = signedCertificate(tbs, await signSha256(caKey, tbs));
      expect(ours.toString('hex')).to.equal(toDer(theirs).toString('hex'));
      expect(certificatePem(ours)).to.equal(toPem(theirs));
      expect(notBefore.getTime()).to.equal(theirs.validity.notBefore.getTime());
      expect(notAfter.getTime()).to.equal(theirs.validity.notAfter.getTime());
      const x509 = new X509Certificate(ours);
      expect(x509.checkIssued(new X509Certificate(toDer(caCertificate)))).to.equal(true);
      expect(x509.subject).to.include(`CN=${cn}`);
    });
  }

  it('refuses an e-mail address that is not ASCII (rfc822Name is an IA5String)', function () {
    const spkiDer = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    for (const email of ['はなこ@example.jp', 'a@例え.jp', 'a b@example.jp'])
      expect(() =>
        clientTbs(issuer, {
          serial: '01',
          commonName: 'x',
          organization: 'o',
          email,
          spkiDer,
          now: new Date(),
          validityDays: 1,
        }),
      ).to.throw(RangeError, /ASCII/);
  });
});
