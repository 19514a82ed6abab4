/**
 * The binding rule (`policy/binding.ts`) with its facts loaded: the certificate's standing from the
 * store, the session's bound certificate, the client's tenant. Three entry points, one per kind of path:
 * a login not yet made, a front-channel request of a signed-in browser (the presented certificate must be
 * the bound one), and a back-channel use of a code or token (the bound certificate must still stand).
 */
import { ACCOUNT_CLIENT_ID } from '../account-client.js';
import { checkBinding, type BindingFailure, type BindingVerdict } from '../policy/binding.js';
import type { ClientStore } from '../store.js';
import type { CertificateIdentity, CertificateService } from './certificates.js';
import type { SessionBindings } from './session-bindings.js';

/** A verdict, with the serial of the certificate involved when one is known (for login events). */
export type GuardVerdict = BindingVerdict & { serial?: string };

export interface BoundUse {
  /** The session, code or token's session uid, whose binding names the certificate. */
  sessionUid: string | undefined;
  /** A fingerprint known without the store (the login that just finished); wins over the session's. */
  fingerprint?: string;
  accountId: string;
  clientId: string;
  /** The client's tenant when the caller has just read the client (oidc-provider has); else read here. */
  clientTenantId?: string | null;
}

export class BindingGuard {
  readonly #certificates: Pick<CertificateService, 'identify' | 'standing'>;
  readonly #bindings: Pick<SessionBindings, 'get' | 'boundAt'>;
  readonly #store: ClientStore;

  constructor(deps: {
    certificates: Pick<CertificateService, 'identify' | 'standing'>;
    bindings: Pick<SessionBindings, 'get' | 'boundAt'>;
    store: ClientStore;
  }) {
    this.#certificates = deps.certificates;
    this.#bindings = deps.bindings;
    this.#store = deps.store;
  }

  /** A login about to be made: who the presented certificate is, and may it sign in to this client? */
  async forLogin(der: Buffer | null, clientId: string): Promise<GuardVerdict> {
    return this.#verdict(await this.#certificates.identify(der), clientId, {});
  }

  /** A signed-in browser's request: the presented certificate must be the one the session is bound to. */
  async forSession(der: Buffer | null, use: BoundUse): Promise<GuardVerdict> {
    const bound = use.fingerprint ?? (await this.#bindings.get(use.sessionUid));
    if (!bound) return { ok: false, reason: 'unbound' };
    return this.#verdict(await this.#certificates.identify(der), use.clientId, {
      boundFingerprint: bound,
      accountId: use.accountId,
    });
  }

  /** The certificate a session (and so its codes and tokens) is bound to, or null. */
  boundFingerprint(sessionUid: string | undefined): Promise<string | null> {
    return this.#bindings.get(sessionUid);
  }

  /** When the session's latest login bound it (epoch ms), or null: a single sign-on does not move it. */
  boundAt(sessionUid: string | undefined): Promise<number | null> {
    return this.#bindings.boundAt(sessionUid);
  }

  /** A code or token used by its client (no browser): the certificate it is bound to must still stand. */
  async forToken(use: BoundUse): Promise<GuardVerdict> {
    const bound = use.fingerprint ?? (await this.#bindings.get(use.sessionUid));
    if (!bound) return { ok: false, reason: 'unbound' };
    const identity = await this.#certificates.standing(bound);
    // On every token request: the client's tenant is known (oidc-provider read the client), no more steps.
    const tenantId =
      use.clientTenantId === undefined ? await this.#clientTenant(use.clientId) : use.clientTenantId;
    return decide(identity, { boundFingerprint: bound, accountId: use.accountId }, tenantId);
  }

  async #verdict(
    identity: CertificateIdentity,
    clientId: string,
    bound: { boundFingerprint?: string; accountId?: string },
  ): Promise<GuardVerdict> {
    return decide(identity, bound, await this.#clientTenant(clientId));
  }

  /** The tenant a client serves: null for the account pages (every tenant), undefined if unknown. */
  async #clientTenant(clientId: string): Promise<string | null | undefined> {
    if (clientId === ACCOUNT_CLIENT_ID) return null;
    return (await this.#store.getClient(clientId))?.tenantId ?? undefined;
  }
}

/** The binding rule over what was loaded, with the serial of the certificate involved when one is known. */
function decide(
  identity: CertificateIdentity,
  bound: { boundFingerprint?: string; accountId?: string },
  clientTenantId: string | null | undefined,
): GuardVerdict {
  const verdict = checkBinding({
    standing: identity.ok
      ? { ok: true, value: identity }
      : { ok: false, reason: identity.result satisfies BindingFailure },
    ...bound,
    clientTenantId,
  });
  const serial = identity.ok ? identity.certificate.serial : identity.serial;
  return verdict.ok || !serial ? verdict : { ...verdict, serial };
}
