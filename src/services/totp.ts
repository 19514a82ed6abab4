/**
 * TOTP (RFC 6238) authenticators: a new secret to show as a QR code and a manual key, activated only
 * after the user proves one correct code; stored sealed with the data key.
 */
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Account } from '../domain.js';
import type { AccountStore } from '../store.js';
import type { AuditLog } from './audit.js';

export const totpSealPurpose = (accountId: string) => `totp:${accountId}`;
const pendingPurpose = (accountId: string) => `totp-pending:${accountId}`;

const totpFor = (secretBase32: string, label = '', issuer = '') =>
  new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secretBase32),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
    label,
    issuer,
  });

/** The time step a 6-digit code matches (±1 step of clock drift), or null. */
export function matchingStep(secretBase32: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpFor(secretBase32).validate({ token, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 30_000) + delta;
}

export interface TotpDisplay {
  /** Base32, shown for manual entry (grouped in fours). */
  manualKey: string;
  /** data: URL of an SVG QR code of the otpauth:// URI. */
  qrDataUrl: string;
}

export class TotpService {
  constructor(
    private readonly deps: {
      store: AccountStore;
      box: SecretBox;
      clock: Clock;
      audit: AuditLog;
      issuerName: string;
    },
  ) {}

  /** A new secret, sealed, to keep server-side until the first code proves it. */
  begin(account: Account): string {
    return this.deps.box.seal(new OTPAuth.Secret({ size: 20 }).base32, pendingPurpose(account.id));
  }

  /** What the set-up page shows for a pending secret. */
  async display(account: Account, pendingSecretEnc: string): Promise<TotpDisplay> {
    const secret = this.deps.box.openText(pendingSecretEnc, pendingPurpose(account.id));
    const uri = totpFor(secret, account.userId, this.deps.issuerName).toString();
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return {
      manualKey: secret.replace(/(.{4})/g, '$1 ').trim(),
      qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    };
  }

  /** Activate the pending secret if `code` matches it; the accepted step cannot be replayed afterwards. */
  async activate(account: Account, pendingSecretEnc: string, code: string): Promise<Account | null> {
    const { store, box, clock, audit } = this.deps;
    const secret = box.openText(pendingSecretEnc, pendingPurpose(account.id));
    const step = matchingStep(secret, code, clock.now());
    if (step === null) return null;
    const updated = await store.updateAccount(
      account.id,
      { totpSecretEnc: box.seal(secret, totpSealPurpose(account.id)), totpLastStep: step },
      clock.now(),
    );
    await audit.record({
      actor: `user:${account.id}`,
      action: 'account.totp_enrolled',
      tenantId: account.tenantId,
      accountId: account.id,
    });
    return updated;
  }
}
