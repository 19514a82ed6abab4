/**
 * Which redirect URIs a relying party may register (OAuth 2.0 Security BCP, RFC 8252 §7.3): absolute
 * https URLs without a fragment or user info; plain http only on the loopback interface, for native
 * and development clients. Everything else (javascript:, data:, file:, mailto:, custom schemes) is
 * refused, so an authorization code can only ever travel to a web origin over TLS or to this machine.
 */
export type RedirectUriProblemKind = 'not_a_url' | 'scheme' | 'fragment' | 'credentials';

export interface RedirectUriProblem {
  kind: RedirectUriProblemKind;
  uri: string;
  message: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const shown = (uri: string) => (uri.length > 200 ? `${uri.slice(0, 200)}…` : uri);

export function redirectUriProblem(uri: string): RedirectUriProblem | null {
  const problem = (kind: RedirectUriProblemKind, why: string) => ({
    kind,
    uri,
    message: `redirect URI ${JSON.stringify(shown(uri))} ${why}`,
  });
  if (!URL.canParse(uri)) return problem('not_a_url', 'is not an absolute URL');
  const url = new URL(uri);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    return problem('scheme', 'uses http: plain http is allowed only on 127.0.0.1, [::1] or localhost');
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return problem('scheme', `uses ${url.protocol} (only https, or http on loopback, is allowed)`);
  if (uri.includes('#')) return problem('fragment', 'has a fragment (#…), which redirect URIs must not have');
  if (url.username || url.password) return problem('credentials', 'carries a user name or password');
  return null;
}

/** The first problem among several URIs, with its position, or null. */
export function redirectUrisProblem(
  uris: readonly string[],
): (RedirectUriProblem & { index: number }) | null {
  for (const [index, uri] of uris.entries()) {
    const problem = redirectUriProblem(uri);
    if (problem) return { ...problem, index };
  }
  return null;
}
