/**
 * What the request cache (request-cache.ts) answers from memory and what each write drops: the getters
 * cached per request, those also kept across requests, and the groups of records each write changes.
 */

/**
 * Groups of cached records: a write drops its groups' entries. Artifacts and short-lived state group by
 * model or kind (`oidc:Interaction`): saving a login's state leaves the cached Interaction alone.
 */
export type Group = 'client' | 'tenant' | 'account' | 'device' | 'standing' | 'oidc' | `oidc:${string}`;
export const byModel = (args: unknown[]): Group => `oidc:${String(args[0])}`;

/** The getters answered from the request's cache, by group. Arguments after the key (`now`) are ignored. */
export const CACHED: Record<string, { group: Group | ((args: unknown[]) => Group); keyArgs: number }> = {
  getClient: { group: 'client', keyArgs: 1 },
  getTenant: { group: 'tenant', keyArgs: 1 },
  getAccount: { group: 'account', keyArgs: 1 },
  getAccountByUserId: { group: 'account', keyArgs: 1 },
  getTerminal: { group: 'device', keyArgs: 1 },
  getCertificate: { group: 'device', keyArgs: 1 },
  getCertificateByFingerprint: { group: 'device', keyArgs: 1 },
  // The certificate with its terminal, account and tenant in one read: dropped by a write to any of them.
  findCertificateStanding: { group: 'standing', keyArgs: 1 },
  oidcFind: { group: byModel, keyArgs: 2 },
  oidcFindByUid: { group: byModel, keyArgs: 2 },
  getState: { group: byModel, keyArgs: 2 },
};

/**
 * The getters whose records are also kept across requests (see above): for artifacts and state, only
 * of SHARED_MODELS and only with an expiry (`exp`, seconds) to check on each use. A certificate's
 * standing and a client (`frozen`) are handed out deep-frozen instead of copied: read on every token
 * request, and no caller changes them (one that tried would throw, never alter what is kept); the same
 * object while it is kept, so a client's record also names oidc-provider's Client built from it
 * (provider.ts). Artifacts are copied: oidc-provider changes what its models were built from.
 */
export const SHARED: Record<string, 'record' | 'frozen' | 'expiring'> = {
  getClient: 'frozen',
  findCertificateStanding: 'frozen',
  oidcFind: 'expiring',
  oidcFindByUid: 'expiring',
  getState: 'expiring',
};
/**
 * Writes and the groups they change (`oidc`: every model); a write missing here (and from
 * UNCACHED_WRITES) drops everything.
 */
export const WRITES: Record<string, Group[] | ((args: unknown[]) => Group[])> = {
  createClient: ['client'],
  updateClient: ['client'],
  deleteClient: ['client'],
  createTenant: ['tenant'],
  updateTenant: ['tenant'],
  createAccount: ['account'],
  updateAccount: ['account'],
  reserveAttempt: ['account'],
  resetCounter: ['account'],
  lockAccount: ['account'],
  unlockAccount: ['account'],
  advanceTotpStep: ['account'],
  deleteAccount: ['account', 'device'],
  createTerminal: ['device'],
  updateTerminal: ['device'],
  clearExpiredDownloads: ['device'],
  saveIssuedCertificate: ['device'],
  revokeCertificate: ['device'],
  claimExpiryReminder: ['device'],
  oidcUpsert: (args) => [byModel(args)],
  oidcConsume: (args) => [byModel(args)],
  oidcDestroy: (args) => [byModel(args)],
  oidcRevokeByGrantId: ['oidc'],
  oidcPurgeExpired: ['oidc'],
  putState: (args) => [byModel(args)],
  deleteState: (args) => [byModel(args)],
};

/** Lists and counts (not cached: a page is no record), and the lifecycle. */
export const PASS_THROUGH = /^(list|find|count|init$|ping$|close$|backup$)/;
