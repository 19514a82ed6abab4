/**
 * How recent a password proof must be before the account pages make a change that could hand the
 * account to someone else (secret question, terminals, login method): a session left open on a shared
 * desk must not be enough.
 */
export const REAUTHENTICATION_WINDOW_MS = 5 * 60_000;

export function recentlyAuthenticated(session: { authenticatedAt?: number }, now: Date): boolean {
  const at = session.authenticatedAt;
  return typeof at === 'number' && now.getTime() - at <= REAUTHENTICATION_WINDOW_MS && at <= now.getTime();
}

/**
 * Where the account pages may send the browser back to (after their sign-in or a re-authentication):
 * an account page of this site, nothing else.
 */
export function accountReturnPath(next: string): string {
  return /^\/account(\/[A-Za-z0-9/_-]*)?$/.test(next) && !next.includes('//') ? next : '/account';
}
