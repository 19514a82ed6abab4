/**
 * Contract: the security epoch (src/store/epoch.ts). Every write that could change a record a process
 * keeps across requests moves it — from this store object or from any other on the same database —
 * and writes that only add records, or touch records never kept, leave it.
 */
import { expect } from 'chai';
import { newId } from '../../../src/random.js';
import type { Store } from '../../../src/store.js';
import { at, T0, type ContractContext } from './context.js';

export function epochContract(ctx: ContractContext<Store>): void {
  describe('security epoch', function () {
    /** Runs `write` and tells whether the epoch moved. */
    const moved = async (write: () => Promise<unknown>): Promise<boolean> => {
      const before = await ctx.store.getSecurityEpoch();
      await write();
      const after = await ctx.store.getSecurityEpoch();
      expect(after, 'the epoch never goes back').to.be.at.least(before);
      return after !== before;
    };

    it('moves with every change to a client, tenant, account, terminal or certificate', async function () {
      const { tenant, account, terminal } = await ctx.f.owner();
      const certificate = await ctx.f.issue(account.id, terminal.id);
      await ctx.store.createClient(
        { clientId: 'c1', tenantId: tenant.id, metadata: { redirect_uris: [] }, firstParty: false },
        T0,
      );
      const s = ctx.store;
      const writes: [string, () => Promise<unknown>][] = [
        ['updateClient', () => s.updateClient('c1', { redirect_uris: ['https://rp.example/cb'] }, T0)],
        ['updateTenant', () => s.updateTenant(tenant.id, { name: 'renamed' }, T0)],
        ['updateAccount', () => s.updateAccount(account.id, { displayName: 'Renamed' }, T0)],
        // Every field a kept standing's reader decides on (the counters are not: see the test below).
        ['a status change', () => s.updateAccount(account.id, { status: 'pending' }, T0)],
        ['a status change back', () => s.updateAccount(account.id, { status: 'active' }, T0)],
        ['a new password', () => s.updateAccount(account.id, { passwordHash: 'h2' }, T0)],
        ['a forced change', () => s.updateAccount(account.id, { mustChangePassword: true }, T0)],
        ['a login method', () => s.updateAccount(account.id, { loginMethod: 'password_otp' }, T0)],
        ['a TOTP secret', () => s.updateAccount(account.id, { totpSecretEnc: 'sealed' }, T0)],
        ['lockAccount', () => s.lockAccount(account.id, 'admin', T0)],
        ['unlockAccount', () => s.unlockAccount(account.id, T0)],
        ['updateTerminal', () => s.updateTerminal(terminal.id, { deleted: true }, T0)],
        ['revokeCertificate', () => s.revokeCertificate(certificate.serial, 'keyCompromise', T0)],
        ['deleteClient', () => s.deleteClient('c1')],
        ['deleteAccount', () => s.deleteAccount(account.id, T0)],
      ];
      for (const [name, write] of writes) expect(await moved(write), name).to.equal(true);
    });

    it('moves when a kept artifact or session binding is replaced, consumed, destroyed or revoked', async function () {
      const s = ctx.store;
      const grantId = newId();
      const token = { grantId, exp: 2_000_000_000 };
      await s.oidcUpsert('AccessToken', 'at1', token, 600, T0);
      await s.oidcUpsert('RefreshToken', 'rt1', token, 600, T0);
      await s.oidcUpsert('Grant', grantId, { exp: 2_000_000_000 }, 600, T0);
      await s.putState('TobiraSessionCertificate', 'sess1', { certFingerprint: 'f' }, 600, T0);
      await s.oidcUpsert('Session', 'sess1', { uid: 'u1', exp: 2_000_000_000 }, 600, T0);
      const writes: [string, () => Promise<unknown>][] = [
        ['oidcUpsert replacing', () => s.oidcUpsert('Grant', grantId, { exp: 2_000_000_001 }, 600, at(1))],
        [
          'putState replacing',
          () => s.putState('TobiraSessionCertificate', 'sess1', { certFingerprint: 'g' }, 600, at(1)),
        ],
        ['oidcConsume', () => s.oidcConsume('RefreshToken', 'rt1', at(2))],
        ['oidcDestroy', () => s.oidcDestroy('AccessToken', 'at1')],
        ['a session destroyed', () => s.oidcDestroy('Session', 'sess1')],
        ['deleteState', () => s.deleteState('TobiraSessionCertificate', 'sess1')],
        ['oidcRevokeByGrantId', () => s.oidcRevokeByGrantId(grantId)],
      ];
      for (const [name, write] of writes) expect(await moved(write), name).to.equal(true);
    });

    it('stays when a write only adds records or touches records never kept', async function () {
      const s = ctx.store;
      const { account } = await ctx.f.owner();
      const writes: [string, () => Promise<unknown>][] = [
        // A login's counters (store/epoch.ts COUNTER_WRITES): decided by the conditional update alone.
        ['a failed attempt reserved', () => s.reserveAttempt(account.id, 'password', 5, T0)],
        ['a counter reset', () => s.resetCounter(account.id, 'password', T0)],
        ['a TOTP step used', () => s.advanceTotpStep(account.id, 7, T0)],
        ['a new access token', () => s.oidcUpsert('AccessToken', newId(), { exp: 2_000_000_000 }, 600, T0)],
        [
          'a new binding',
          () => s.putState('TobiraSessionCertificate', newId(), { certFingerprint: 'f' }, 60, T0),
        ],
        ['an interaction saved again', () => s.oidcUpsert('Interaction', 'i1', { n: 1 }, 60, T0)],
        ['an interaction replaced', () => s.oidcUpsert('Interaction', 'i1', { n: 2 }, 60, T0)],
        ['a code consumed', () => s.oidcConsume('AuthorizationCode', 'i1', T0)],
        ['login state', () => s.putState('TobiraLoginState', 'l1', { step: 'password' }, 60, T0)],
        ['a rate-limit hit', () => s.hitRateLimit('ip:192.0.2.1', at(60), T0)],
        [
          'an audit event',
          () =>
            s.addAuditEvent({
              at: T0,
              actor: 'system',
              action: 'x',
              tenantId: null,
              accountId: account.id,
              sourceIp: null,
              details: {},
            }),
        ],
      ];
      for (const [name, write] of writes) expect(await moved(write), name).to.equal(false);
    });
  });
}
