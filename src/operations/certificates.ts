/** Certificates of accounts in the caller's scope: listed, revoked, re-issued through a mailed link. */
import type { Account, Certificate, Terminal } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import { asciiEquivalentOf, certifiableEmail } from '../services/terminal-email.js';
import { scopedLookups, tenantFilter, type Caller } from './caller.js';
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

/** A live terminal whose address a certificate cannot carry: no certificate can be issued for it. */
export interface UncertifiableTerminal {
  tenantId: string;
  userId: string;
  terminal: number;
  email: string;
  /** The same mailbox with its domain in IDNA ASCII form, when only the domain is not ASCII. */
  asciiEquivalent: string | null;
}

/** Accounts read per store page while looking for them. */
const SCAN_PAGE = 200;

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

    /**
     * Terminals saved before addresses had to be ASCII (707825f), which every issuance now refuses
     * (terminal_email_not_ascii): for the operator to find and change. Read only. It walks the
     * accounts in the caller's scope page by page and reads each one's terminals, because the store
     * has no query by address shape: an occasional operator's check, not a request path, so a store
     * method (two adapters, a migration for an index) was not worth it.
     */
    async uncertifiableTerminals(
      caller: Caller,
      query: { tenant?: string },
    ): Promise<UncertifiableTerminal[]> {
      const tenantId = tenantFilter(caller, query.tenant);
      const found: UncertifiableTerminal[] = [];
      for (let offset = 0; ; offset += SCAN_PAGE) {
        const page = await store.findAccounts({
          ...(tenantId ? { tenantId } : {}),
          offset,
          limit: SCAN_PAGE,
        });
        for (const account of page.items)
          for (const terminal of await store.listTerminals(account.id))
            if (!certifiableEmail(terminal.email))
              found.push({
                tenantId: account.tenantId,
                userId: account.userId,
                terminal: terminal.number,
                email: terminal.email,
                asciiEquivalent: asciiEquivalentOf(terminal.email),
              });
        if (page.items.length < SCAN_PAGE) return found;
      }
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
      const started = await recovery.startCertificateReissue(
        account,
        terminal,
        caller.actor,
        locale,
        caller.sourceIp ?? undefined,
      );
      return { account, terminal, linkExpiresAt: started.expiresAt };
    },
  };
}

export type CertificateOperations = ReturnType<typeof certificateOperations>;
