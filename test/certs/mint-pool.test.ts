/**
 * The mint pool: RSA keys and their PKCS#12 key bags made on its worker threads, which run at a lower CPU
 * priority than the process (Linux), so the event loop and argon2id go first on busy cores.
 */
import { expect } from 'chai';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { getPriority } from 'node:os';
import { fromPkcs12, MintPool, pkcs12File, type CertificateAuthority } from '../../certs/index.js';
import { tempCa } from './temp-ca.js';

/** Nice values of this process's threads (null without /proc). */
async function threadNices(): Promise<number[] | null> {
  const tasks = await readdir('/proc/self/task').catch(() => null);
  if (!tasks) return null;
  const nices = await Promise.all(
    tasks.map(async (tid) => {
      const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => null);
      // Field 19 (nice) counted from the end of the command name, which may hold spaces.
      return stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) : null;
    }),
  );
  return nices.filter((n): n is number => n !== null);
}

describe('mint pool', function () {
  let ca: CertificateAuthority;
  let removeCa: () => Promise<void>;
  let pool: MintPool;

  before(async function () {
    ({ ca, remove: removeCa } = await tempCa());
    pool = new MintPool({ threads: 2 });
  });
  after(async function () {
    await pool.close();
    await removeCa();
  });

  it('generates RSA keys of the asked size on its threads, handing out the public half and the private one only encrypted', async function () {
    const [small, large] = await Promise.all([
      pool.generateKey(2048, 'Dl-Pass-123'),
      pool.generateKey(3072, 'Dl-Pass-123'),
    ]);
    for (const [key, bits] of [
      [small, 2048],
      [large, 3072],
    ] as const) {
      const publicKey = createPublicKey({ key: key.publicKeyDer, format: 'der', type: 'spki' });
      expect(publicKey.asymmetricKeyDetails?.modulusLength).to.equal(bits);
      expect(publicKey.asymmetricKeyDetails?.publicExponent).to.equal(0x10001n);
    }
    expect(small.publicKeyDer.equals(large.publicKeyDer)).to.equal(false);
    expect(small.shrouded.macSalt.equals(large.shrouded.macSalt), 'salted afresh').to.equal(false);
  });

  it('builds the PKCS#12 of a certificate issued for its key: the private key of that public key', async function () {
    const key = await pool.generateKey(2048, 'Dl-Pass-123');
    const issued = await ca.issueClientCertificateFor(key.publicKeyDer, {
      userId: 'p-01-mint',
      terminalNumber: 1,
      email: 'mint@example.jp',
      validityDays: 30,
    });
    const p12 = pkcs12File({
      shrouded: key.shrouded,
      certificatePem: issued.certificatePem,
      caCertificatePem: ca.certificatePem,
      friendlyName: issued.subjectCn,
    });
    const back = fromPkcs12(p12, 'Dl-Pass-123');
    expect(
      createPublicKey(back.privateKeyPem).export({ type: 'spki', format: 'der' }).equals(key.publicKeyDer),
    ).to.equal(true);
    expect(back.certificatesPem).to.have.length(2);
    expect(() => fromPkcs12(p12, 'Dl-Pass-124')).to.throw();
  });

  it('shrouds a key made elsewhere as it shrouds its own', async function () {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = await pool.shroud(privateKey.export({ type: 'pkcs8', format: 'der' }), 'Dl-Pass-9');
    expect(
      key.publicKeyDer.equals(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })),
    ).to.equal(true);
    const issued = await ca.issueClientCertificateFor(key.publicKeyDer, {
      userId: 'p-01-mint',
      terminalNumber: 2,
      email: 'mint2@example.jp',
      validityDays: 30,
    });
    const back = fromPkcs12(
      pkcs12File({
        shrouded: key.shrouded,
        certificatePem: issued.certificatePem,
        caCertificatePem: ca.certificatePem,
        friendlyName: issued.subjectCn,
      }),
      'Dl-Pass-9',
    );
    expect(createPrivateKey(back.privateKeyPem).export({ type: 'pkcs8', format: 'pem' })).to.equal(
      privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
  });

  it('runs its threads at a lower CPU priority than the process (Linux; skipped where /proc/self/task cannot be read)', async function () {
    const before = await threadNices();
    if (!before) this.skip();
    await pool.generateKey(2048, 'Dl-Pass-123'); // the threads idle for 30 s before they leave
    const own = getPriority();
    const nices = (await threadNices())!;
    expect(nices.filter((n) => n === Math.min(19, own + 10)).length).to.be.at.least(1);
    // The process itself (its main thread) keeps its priority.
    expect(getPriority(process.pid)).to.equal(own);
  });
});
