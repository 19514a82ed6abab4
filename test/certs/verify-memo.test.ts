/**
 * A presented certificate is parsed and its signature checked once per CA and bytes (certs/verify.ts);
 * what depends on time or on the CA is judged anew: the validity window on every call, another CA apart.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../../certs/index.js';

const der = (pem: string) => new X509Certificate(pem).raw;
const DAY = 86_400_000;

describe('client certificate checks remembered per CA and bytes', function () {
  const dirs: string[] = [];
  const newCa = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-ca-memo-'));
    dirs.push(dir);
    return CertificateAuthority.loadOrCreate({ dir, keyPassphrase: 'p', serverHostnames: ['localhost'] });
  };
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('judges the same bytes by the time of each call and by the CA asked', async function () {
    const [ours, other] = [await newCa(), await newCa()];
    const issued = await ours.issueClientCertificate({
      userId: 'p-01-memo',
      terminalNumber: 1,
      email: 'memo@example.jp',
      validityDays: 10,
    });
    const bytes = der(issued.certificatePem);
    const now = Date.now();
    for (let i = 0; i < 2; i += 1) {
      expect(ours.verifyClientCertificate(bytes, new Date(now))).to.include({
        ok: true,
        serial: issued.serial,
      });
      expect(ours.verifyClientCertificate(bytes, new Date(now + 11 * DAY))).to.include({ reason: 'expired' });
      expect(ours.verifyClientCertificate(bytes, new Date(now - DAY))).to.include({
        reason: 'not_yet_valid',
      });
      expect(other.verifyClientCertificate(bytes, new Date(now))).to.include({ reason: 'not_issued_by_ca' });
    }
    const first = ours.verifyClientCertificate(bytes, new Date(now));
    const second = ours.verifyClientCertificate(bytes, new Date(now));
    expect(second).to.deep.equal(first);
    expect(second, 'a record of its own').to.not.equal(first);
    if (first.ok) first.notAfter.setTime(0);
    expect(ours.verifyClientCertificate(bytes, new Date(now))).to.deep.equal(second);
  });
});
