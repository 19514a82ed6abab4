/**
 * The built-in relying party of Tobira's own account pages. Not stored: the provider's client adapter
 * serves it, and it belongs to every tenant (any account may manage itself).
 */
export const ACCOUNT_CLIENT_ID = 'tobira-account';

export const accountClientMetadata = (issuer: string) => ({
  client_id: ACCOUNT_CLIENT_ID,
  client_name: 'Tobira account pages',
  redirect_uris: [new URL('/account/callback', issuer).href],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'none',
  tobira_first_party: true,
});
