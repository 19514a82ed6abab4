/** Certificates of accounts in the caller's scope: listed, revoked, re-issued through a mailed link. */
import type { Account, Certificate, Terminal } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import { scopedLookups, type Caller } from './caller.js';
import type { OperationDeps } from './deps.js';
import { notFound } from './errors.js';

/** The CRL reasons an operator may give (RFC 5280 §5.3.1, by name). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export function certificateOperations(deps: OperationDeps) {
  const { store, certificates, recovery } = deps;
  const scoped = scopedLookups(store);
  return {
    async ofAccount(caller: Caller, userId: string): Promise<Certificate[]> {
      return store.listCertificates({ accountId: (await scoped.account(caller, userId)).id });
    },

    /** It appears in the next CRL; an unknown or already revoked serial is not found. */
    async revoke(caller: Caller, serial: string, reason: RevocationReason): Promise<Certificate> {
      const normalised = serial.toLowerCase();
      await scoped.certificate(caller, normalised);
      const revoked = await certificates.revoke(normalised, reason, caller.actor);
      if (!revoked) throw notFound(`certificate ${serial}`);
      return revoked;
    },

    /** Mails 「証明書再発行手順のご案内」 with a single-use link to the terminal's address. */
    async startReissue(
      caller: Caller,
      userId: string,
      terminalNumber: number,
      locale: Locale,
    ): Promise<{ account: Account; terminal: Terminal; linkExpiresAt: Date }> {
      const account = await scoped.account(caller, userId);
      const terminal = (await store.listTerminals(account.id)).find((t) => t.number === terminalNumber);
      if (!terminal) throw notFound(`terminal ${terminalNumber} of ${account.userId}`);
      const started = await recovery.startCertificateReissue(account, terminal, caller.actor, locale);
      return { account, terminal, linkExpiresAt: started.expiresAt };
    },
  };
}

export type CertificateOperations = ReturnType<typeof certificateOperations>;
