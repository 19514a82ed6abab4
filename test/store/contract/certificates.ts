/** Contract: certificates — issuing (superseding the previous one), lookups, revocation, the CRL. */
import { expect } from 'chai';
import { sha256Hex } from '../../../src/random.js';
import type {
  AccountStore,
  CertificateStore,
  CounterStore,
  TenantStore,
  TerminalStore,
} from '../../../src/store.js';
import { at, certificateInput, expectConflict, T0, type ContractContext } from './context.js';

/** Terminals, accounts and tenants are only read (and an account locked): what a certificate stands for. */
export function certificateContract(
  ctx: ContractContext<CertificateStore & TerminalStore & AccountStore & CounterStore & TenantStore>,
): void {
  describe('certificates', function () {
    let accountId: string;
    let terminalId: string;
    beforeEach(async function () {
      const { account, terminal } = await ctx.f.owner();
      accountId = account.id;
      terminalId = terminal.id;
    });

    it('saves an issued certificate as active and points the terminal at it with its download', async function () {
      const input = certificateInput(accountId, terminalId);
      const pendingDownload = { p12Enc: 'p1', passwordEnc: 'w1', expiresAt: at(60) };
      const saved = await ctx.store.saveIssuedCertificate({ certificate: input, pendingDownload }, at(1));
      expect(saved.superseded, 'a first certificate supersedes nothing').to.deep.equal([]);
      const cert = saved.certificate;
      expect(cert).to.deep.equal({
        ...input,
        status: 'active',
        revokedAt: null,
        revocationReason: null,
        createdAt: at(1),
      });
      const terminal = (await ctx.store.getTerminal(terminalId))!;
      expect(terminal.currentCertificateSerial).to.equal(cert.serial);
      expect(terminal.pendingDownload).to.deep.equal(pendingDownload);
      expect(await ctx.store.getCertificate(cert.serial)).to.deep.equal(cert);
      expect(await ctx.store.getCertificateByFingerprint(cert.fingerprintS256)).to.deep.equal(cert);
      expect(await ctx.store.getCertificate('00ff')).to.equal(null);
      expect(await ctx.store.getCertificateByFingerprint(sha256Hex('none'))).to.equal(null);
    });

    it('reads a certificate with its terminal, account and tenant in one call, as they stand now', async function () {
      const cert = await ctx.f.issue(accountId, terminalId);
      const standing = (await ctx.store.findCertificateStanding(cert.fingerprintS256))!;
      expect(standing.certificate).to.deep.equal(await ctx.store.getCertificate(cert.serial));
      expect(standing.terminal).to.deep.equal(await ctx.store.getTerminal(terminalId));
      expect(standing.account).to.deep.equal(await ctx.store.getAccount(accountId));
      expect(standing.tenant).to.deep.equal(await ctx.store.getTenant(standing.account!.tenantId));
      expect(standing.tenant).to.not.equal(null);
      // A revocation or a lock is seen by the very next read (nothing kept across calls).
      await ctx.store.revokeCertificate(cert.serial, 'keyCompromise', at(2));
      await ctx.store.lockAccount(accountId, 'password', at(2));
      const after = (await ctx.store.findCertificateStanding(cert.fingerprintS256))!;
      expect(after.certificate.status).to.equal('revoked');
      expect(after.account!.status).to.equal('locked');
      expect(await ctx.store.findCertificateStanding(sha256Hex('none'))).to.equal(null);
    });

    it('supersedes the terminal’s previous certificate in the same unit and says which', async function () {
      const { certificate: first } = await ctx.store.saveIssuedCertificate(
        {
          certificate: certificateInput(accountId, terminalId),
          pendingDownload: { p12Enc: 'p1', passwordEnc: 'w1', expiresAt: at(60) },
        },
        T0,
      );
      const saved = await ctx.store.saveIssuedCertificate(
        { certificate: certificateInput(accountId, terminalId), pendingDownload: null },
        at(10),
      );
      expect(saved.superseded).to.deep.equal([first.serial]);
      const second = saved.certificate;
      expect(await ctx.store.getCertificate(first.serial)).to.deep.include({
        status: 'superseded',
        revokedAt: at(10),
      });
      expect((await ctx.store.getCertificate(second.serial))!.status).to.equal('active');
      const terminal = (await ctx.store.getTerminal(terminalId))!;
      expect(terminal.currentCertificateSerial).to.equal(second.serial);
      expect(terminal.pendingDownload, 'a CSR issue leaves nothing to download').to.equal(null);
    });

    it('reports nothing superseded when the terminal’s certificate was revoked already', async function () {
      const first = await ctx.f.issue(accountId, terminalId);
      await ctx.store.revokeCertificate(first.serial, 'keyCompromise', at(5));
      const saved = await ctx.store.saveIssuedCertificate(
        { certificate: certificateInput(accountId, terminalId), pendingDownload: null },
        at(10),
      );
      expect(saved.superseded, 'listed on the CRL already').to.deep.equal([]);
      expect(await ctx.store.getCertificate(first.serial)).to.deep.include({ status: 'revoked' });
    });

    it('lists certificates by account, terminal and status, oldest first', async function () {
      const other = (await ctx.f.terminal(accountId)).id;
      const first = await ctx.f.issue(accountId, terminalId, undefined, T0);
      const second = await ctx.f.issue(accountId, terminalId, undefined, at(10));
      const third = await ctx.f.issue(accountId, other, undefined, at(20));
      const serials = async (q: Parameters<typeof ctx.store.listCertificates>[0]) =>
        (await ctx.store.listCertificates(q)).map((c) => c.serial);
      expect(await serials({ terminalId })).to.deep.equal([first.serial, second.serial]);
      expect(await serials({ accountId })).to.deep.equal([first.serial, second.serial, third.serial]);
      expect(await serials({ accountId, status: 'active' })).to.deep.equal([second.serial, third.serial]);
      expect(await serials({ status: 'superseded' })).to.deep.equal([first.serial]);
      expect(await serials({ accountId: 'missing' })).to.deep.equal([]);
    });

    it('rejects a duplicate serial or fingerprint and then changes nothing', async function () {
      const cert = certificateInput(accountId, terminalId);
      await ctx.store.saveIssuedCertificate({ certificate: cert, pendingDownload: null }, T0);
      await expectConflict(
        ctx.store.saveIssuedCertificate(
          { certificate: { ...cert, fingerprintS256: sha256Hex('other') }, pendingDownload: null },
          at(1),
        ),
        'serial',
      );
      const t2 = (await ctx.f.terminal(accountId)).id;
      await expectConflict(
        ctx.store.saveIssuedCertificate(
          {
            certificate: { ...certificateInput(accountId, t2), fingerprintS256: cert.fingerprintS256 },
            pendingDownload: { p12Enc: 'p', passwordEnc: 'w', expiresAt: at(60) },
          },
          at(1),
        ),
        'fingerprintS256',
      );
      expect(await ctx.store.getTerminal(t2)).to.include({
        currentCertificateSerial: null,
        pendingDownload: null,
      });
      expect((await ctx.store.getCertificate(cert.serial))!.status, 'not superseded').to.equal('active');
      expect(await ctx.store.listCertificates({ accountId })).to.have.length(1);
    });

    it('revokes an active certificate once; missing → null', async function () {
      const cert = await ctx.f.issue(accountId, terminalId);
      const revoked = (await ctx.store.revokeCertificate(cert.serial, 'keyCompromise', at(5)))!;
      expect(revoked).to.deep.include({
        status: 'revoked',
        revocationReason: 'keyCompromise',
        revokedAt: at(5),
      });
      expect(await ctx.store.getCertificate(cert.serial)).to.deep.equal(revoked);
      expect(
        await ctx.store.revokeCertificate(cert.serial, 'again', at(6)),
        'a second revoke returns the record unchanged',
      ).to.deep.equal(revoked);
      expect(await ctx.store.revokeCertificate('00ff', 'x', at(6))).to.equal(null);
    });

    it('lists revoked and superseded certificates until they expire, for the CRL', async function () {
      const t2 = (await ctx.f.terminal(accountId)).id;
      const t3 = (await ctx.f.terminal(accountId)).id;
      const longLived = await ctx.f.issue(accountId, terminalId, at(86400));
      const shortLived = await ctx.f.issue(accountId, t2, at(100));
      const active = await ctx.f.issue(accountId, t3, at(86400));
      await ctx.store.revokeCertificate(longLived.serial, 'keyCompromise', at(5));
      await ctx.store.revokeCertificate(shortLived.serial, 'cessationOfOperation', at(5));
      await ctx.f.issue(accountId, t3, at(86400), at(6)); // supersedes `active`
      const crl = async (now: Date) =>
        (await ctx.store.listRevokedCertificates(now)).map((c) => c.serial).sort();
      expect(await crl(at(50))).to.deep.equal([longLived.serial, shortLived.serial, active.serial].sort());
      expect(await crl(at(100)), 'expired at notAfter').to.deep.equal(
        [longLived.serial, active.serial].sort(),
      );
      expect(await crl(at(86400))).to.deep.equal([]);
      // What the CRL needs of each, and only that (the PEMs stay in the store).
      const listed = await ctx.store.listRevokedCertificates(at(50));
      expect(listed.find((c) => c.serial === longLived.serial)).to.deep.equal({
        serial: longLived.serial,
        revokedAt: at(5),
        revocationReason: 'keyCompromise',
      });
      expect(listed.find((c) => c.serial === active.serial)).to.have.keys([
        'serial',
        'revokedAt',
        'revocationReason',
      ]);
    });

    it('counts active certificates expiring within a window, bounds as given', async function () {
      const t2 = (await ctx.f.terminal(accountId)).id;
      const t3 = (await ctx.f.terminal(accountId)).id;
      await ctx.f.issue(accountId, terminalId, at(100));
      const revoked = await ctx.f.issue(accountId, t2, at(150));
      await ctx.store.revokeCertificate(revoked.serial, 'keyCompromise', at(1));
      await ctx.f.issue(accountId, t3, at(1000));
      const expiring = (now: number, before: number) =>
        ctx.store.countCertificatesExpiring(at(now), at(before));
      expect(await expiring(0, 200), 'revoked ones do not count').to.equal(1);
      expect(await expiring(0, 100), 'notAfter at the bound counts').to.equal(1);
      expect(await expiring(100, 2000), 'already expired at now does not').to.equal(1);
      expect(await expiring(0, 2000)).to.equal(2);
    });

    it('returns copies: mutating a returned certificate changes nothing stored', async function () {
      const cert = await ctx.f.issue(accountId, terminalId);
      cert.notAfter.setTime(0);
      cert.status = 'revoked';
      const read = (await ctx.store.getCertificate(cert.serial))!;
      expect(read.status).to.equal('active');
      expect(read.notAfter).to.deep.equal(at(86400 * 30));
    });
  });
}
