/**
 * The conformance suite's conditions, as assertions: what each module of the OpenID Foundation's
 * conformance-suite (openid-certification/conformance-suite, src/main/java/net/openid/conformance/
 * condition/…) checks on an authorization response, an ID token, a token or userinfo response.
 *
 * A condition the suite runs at FAILURE level is an assertion here (its class name leads the message);
 * one it runs at WARNING level is recorded on the module's `Run` and printed, as the suite shows it.
 */
import { expect } from 'chai';
import { createHash, randomInt } from 'node:crypto';
import * as jose from 'jose';
import type { HttpAnswer, Tokens } from './flow.js';

/** Checks one module ran at WARNING level that did not hold (the suite's result would be "warning"). */
export class Run {
  readonly warnings: string[] = [];

  /** A condition run with `ConditionResult.WARNING`: its failure is recorded, not thrown. */
  warning(condition: string, check: () => void): void {
    try {
      check();
    } catch (error) {
      this.warnings.push(`${condition}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

/** The module ends as the suite's `fireTestSkipped` ends it: skipped, with the suite's reason. */
export class SuiteSkipped extends Error {}

/** A condition run with `ConditionResult.FAILURE`: `ok` must hold. */
export function condition(name: string, ok: boolean, detail: unknown = ''): void {
  expect(
    ok,
    `${name}${detail === '' ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`,
  ).to.equal(true);
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (n: number) => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** CreateRandomStateValue / CreateRandomNonceValue: alphanumeric, longer ones end with "-._~". */
export function randomValue(length = 10): string {
  return length > 10 ? `${alnum(length - 4)}-._~` : alnum(length);
}

/** CreateRandomEndSessionState: 10–30 RFC 6749 VSCHARs, with '+', ' ' and ';' replaced by '~'. */
export function randomEndSessionState(): string {
  const length = 10 + randomInt(21);
  return Array.from({ length }, () => String.fromCharCode(0x20 + randomInt(0x5f)))
    .join('')
    .replace(/[+ ;]/g, '~');
}

/** AbstractEnsureMinimumEntropy: Shannon entropy per character × length. */
export function shannonBits(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / value.length) * Math.log2(n / value.length);
  return perChar * value.length;
}

/** at_hash / c_hash: left half of the hash the ID token's alg names, base64url. */
export function halfHash(value: string, alg: string): string {
  const bits = alg.endsWith('384') ? 384 : alg.endsWith('512') ? 512 : 256;
  const digest = createHash(`sha${bits}`).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

// AbstractValidateOpenIdStandardClaims: the type each standard claim must have when present.
const isText = (v: unknown) => typeof v === 'string' && v.trim() !== '' && v.toLowerCase() !== 'null';
const isBool = (v: unknown) => typeof v === 'boolean';
const ADDRESS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'];
const STANDARD: Record<string, (v: unknown) => boolean> = {
  ...Object.fromEntries(
    'sub name given_name family_name middle_name nickname preferred_username profile picture website email gender zoneinfo locale phone_number txn'
      .split(' ')
      .map((k) => [k, isText]),
  ),
  email_verified: isBool,
  phone_number_verified: isBool,
  birthdate: (v) => isText(v) && /^(\d{4}-\d{2}-\d{2}|\d{4})$/.test(v as string),
  updated_at: (v) => typeof v === 'number',
  _claim_names: (v) => typeof v === 'object' && v !== null,
  _claim_sources: (v) => typeof v === 'object' && v !== null,
  address: (v) =>
    typeof v === 'object' &&
    v !== null &&
    Object.entries(v).every(([k, x]) => !ADDRESS.includes(k) || isText(x)),
};

/** ValidateIdTokenStandardClaims / ValidateUserInfoStandardClaims. */
export function standardClaimsValid(name: string, claims: Record<string, unknown>): void {
  condition(name, Object.keys(claims).length > 0, 'no identity claims');
  const bad = Object.entries(claims).filter(([k, v]) => STANDARD[k] && !STANDARD[k](v));
  condition(name, bad.length === 0, Object.fromEntries(bad));
}

/** AbstractUpdatedAtValid: not in the future (5 min skew), not before 1990. */
export function updatedAtValid(name: string, claims: Record<string, unknown>): void {
  const at = claims.updated_at;
  if (at === undefined) return;
  const now = Date.now() / 1000;
  condition(name, typeof at === 'number' && at <= now + 300 && at >= 631152000, { updated_at: at });
}

/** The claims ID tokens carry that are not about the user (ValidateIdTokenStandardClaims drops them). */
const ID_TOKEN_NON_IDENTITY =
  'iss aud exp iat auth_time nonce acr amr azp c_hash at_hash s_hash jti nbf verified_claims'.split(' ');

/** The standard claims of each scope (AbstractVerifyScopesReturnedInClaims, EnsureIdTokenDoesNotContainNonRequestedClaims). */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  profile:
    'name given_name family_name middle_name nickname profile picture website gender birthdate zoneinfo locale updated_at preferred_username'.split(
      ' ',
    ),
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  offline_access: [],
};

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce sent, if one was. */
  nonce?: string;
  /** The `claims` request parameter, if one was sent (ValidateIdTokenACRClaimAgainstRequest). */
  claimsRequest?: { id_token?: { acr?: { value?: string; values?: string[] } } };
}

export interface IdToken {
  value: string;
  header: jose.ProtectedHeaderParameters;
  claims: jose.JWTPayload & Record<string, unknown>;
}

/** PerformStandardIdTokenChecks: ValidateIdToken, standard claims, nonce, acr, signature, sub, updated_at. */
export async function standardIdTokenChecks(
  value: string,
  jwks: jose.JSONWebKeySet,
  expected: IdTokenExpectations,
): Promise<IdToken> {
  const header = jose.decodeProtectedHeader(value);
  const claims = jose.decodeJwt(value) as IdToken['claims'];
  const now = Date.now() / 1000;
  const skew = 300;
  // ValidateIdToken
  condition('ValidateIdToken', claims.iss === expected.issuer, {
    iss: claims.iss,
    expected: expected.issuer,
  });
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  condition('ValidateIdToken', aud.includes(expected.clientId), { aud: claims.aud });
  condition('ValidateIdToken', typeof claims.exp === 'number' && claims.exp >= now - skew, {
    exp: claims.exp,
  });
  condition('ValidateIdToken', claims.exp! <= now + 50 * 365 * 86400, 'exp unreasonably far in the future');
  condition('ValidateIdToken', typeof claims.iat === 'number', "'iat' claim missing");
  condition('ValidateIdToken', claims.iat! <= now + skew && claims.iat! >= now - skew, { iat: claims.iat });
  if (claims.auth_time !== undefined) {
    const at = claims.auth_time as number;
    condition('ValidateIdToken', at >= now - 365 * 86400 && at <= now + skew, { auth_time: at });
  }
  condition('ValidateIdToken', claims.acr !== '', 'id_token acr is an empty string');
  // ValidateIdTokenStandardClaims
  const identity = Object.fromEntries(
    Object.entries(claims).filter(([k]) => !ID_TOKEN_NON_IDENTITY.includes(k)),
  );
  standardClaimsValid('ValidateIdTokenStandardClaims', identity);
  // ValidateIdTokenNonce
  if (expected.nonce !== undefined || claims.nonce !== undefined)
    condition('ValidateIdTokenNonce', claims.nonce === expected.nonce, {
      nonce: claims.nonce,
      expected: expected.nonce,
    });
  // ValidateIdTokenACRClaimAgainstRequest
  if (claims.acr !== undefined)
    condition('ValidateIdTokenACRClaimAgainstRequest', typeof claims.acr === 'string');
  const acrAsked = expected.claimsRequest?.id_token?.acr;
  const acrValues = acrAsked?.values ?? (acrAsked?.value ? [acrAsked.value] : []);
  if (acrValues.length)
    condition('ValidateIdTokenACRClaimAgainstRequest', acrValues.includes(String(claims.acr)), {
      acr: claims.acr,
    });
  // ValidateIdTokenSignature: against the server's JWKS (the key its kid names).
  const verified = await jose
    .compactVerify(value, jose.createLocalJWKSet(jwks))
    .then(() => true)
    .catch(() => false);
  condition('ValidateIdTokenSignature', verified, { kid: header.kid, alg: header.alg });
  // CheckForSubjectInIdToken
  const sub = String(claims.sub ?? '');
  condition('CheckForSubjectInIdToken', sub.length > 0 && sub.length <= 255 && /^[\x20-\x7e]+$/.test(sub), {
    sub,
  });
  updatedAtValid('EnsureIdTokenUpdatedAtValid', claims);
  return { value, header, claims };
}

/** EnsureIdTokenDoesNotContainNonRequestedClaims (a warning): only protocol claims and the scopes' claims. */
export function nonRequestedIdTokenClaims(claims: Record<string, unknown>, scope: string): string[] {
  const allowed = new Set(
    'iss sub aud exp iat auth_time nonce acr amr azp at_hash c_hash nbf jti sid s_hash openbanking_intent_id txn'.split(
      ' ',
    ),
  );
  if (scope.split(' ').includes('openid'))
    for (const s of scope.split(' ')) for (const c of SCOPE_CLAIMS[s] ?? []) allowed.add(c);
  return Object.keys(claims).filter((k) => !allowed.has(k));
}

/** AbstractValidateErrorDescriptionFromResponseError: %x20-21 / %x23-5B / %x5D-7E only. */
export function errorDescriptionValid(description: unknown): boolean {
  return (
    description === undefined ||
    (typeof description === 'string' && /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(description))
  );
}

/** ValidateErrorUriFromAuthorizationEndpointResponseError: an absolute URI of %x21 / %x23-5B / %x5D-7E. */
export function errorUriValid(uri: unknown): boolean {
  return (
    uri === undefined ||
    (typeof uri === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(uri) && URL.canParse(uri))
  );
}

/**
 * What a browser does with an HTML page under its CSP: may the page's inline script run (hash, nonce or
 * 'unsafe-inline' in script-src, else default-src), and may its form post to `action` (form-action)?
 */
export function cspAllowsAutoSubmit(csp: string | undefined, script: string, action: string): string | null {
  if (!csp) return null;
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
  const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
  const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
  if (scriptSrc && !scriptSrc.includes(hash) && !scriptSrc.includes("'unsafe-inline'"))
    return `script-src ${scriptSrc.join(' ')} blocks the auto-submit script (${hash})`;
  const formAction = directives.get('form-action');
  if (
    formAction &&
    !formAction.includes('*') &&
    !formAction.some((s) => action.startsWith(s.replace(/\/?$/, '')))
  )
    return `form-action ${formAction.join(' ')} blocks the post to ${action}`;
  return null;
}

/** AbstractJsonUriIsValidAndHttps: the metadata value is a string holding an https URL. */
export function httpsUrl(name: string, value: unknown): void {
  condition(`${name}: URL not found`, value !== undefined);
  condition(`${name} is a valid URL`, typeof value === 'string' && URL.canParse(value), value);
  condition(`${name} must use the https scheme`, new URL(value as string).protocol === 'https:', value);
}

/**
 * What AbstractOIDCCServerTest.configure checks of the server before any flow: CheckServerConfiguration,
 * CheckServerKeysIsValid + ValidateJwksSequence (no private or symmetric keys, every key usable),
 * CheckForKeyIdInServerJWKs, CheckDistinctKeyIdValueInServerJWKs.
 */
export async function serverKeysAndConfiguration(
  server: Record<string, unknown>,
  jwks: jose.JSONWebKeySet,
): Promise<void> {
  for (const k of ['authorization_endpoint', 'token_endpoint', 'issuer'])
    condition('CheckServerConfiguration', typeof server[k] === 'string', k);
  condition('CheckServerKeysIsValid', Array.isArray(jwks.keys) && jwks.keys.length > 0);
  const secret = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
  const leaking = jwks.keys.filter((k) => k.kty === 'oct' || secret.some((p) => p in k));
  condition(
    'EnsureJwksHasNoPrivateOrSymmetricKeyMaterial',
    leaking.length === 0,
    leaking.map((k) => k.kid),
  );
  condition(
    'ValidateJwksStructure',
    jwks.keys.every((k) => typeof k.kty === 'string'),
  );
  for (const key of jwks.keys) {
    const usable = await jose.importJWK(key, key.alg ?? (key.kty === 'RSA' ? 'RS256' : 'ES256')).then(
      () => true,
      () => false,
    );
    condition('ParseUsableJwksKeys', usable, key.kid);
  }
  condition(
    'CheckForKeyIdInServerJWKs',
    jwks.keys.every((k) => typeof k.kid === 'string' && k.kid !== ''),
  );
  const kids = jwks.keys.map((k) => k.kid);
  condition('CheckDistinctKeyIdValueInServerJWKs', new Set(kids).size === kids.length, kids);
}

/** performAuthorizationCodeValidation of oidcc-server: EnsureMinimumAuthorizationCodeLength / …Entropy. */
export function codeStrength(code: string): void {
  condition('EnsureMinimumAuthorizationCodeLength', Buffer.byteLength(code) * 8 >= 128, code);
  condition('EnsureMinimumAuthorizationCodeEntropy', shannonBits(code) > 96, code);
}

/** oidcc-server's at_hash / c_hash checks: optional in the token endpoint's ID token, correct if present. */
export function hashes(tokens: Tokens, code: string): void {
  const { claims, header } = tokens.idToken;
  if (claims.at_hash !== undefined)
    condition('ValidateAtHash', claims.at_hash === halfHash(tokens.accessToken, String(header.alg)));
  if (claims.c_hash !== undefined)
    condition('ValidateCHash', claims.c_hash === halfHash(code, String(header.alg)));
}

/** extractUserInfoResponse + validateExtractedUserInfoResponse (AbstractOIDCCUserInfoTest). */
export function userinfoClaims(answer: HttpAnswer, idToken: IdToken): Record<string, unknown> {
  condition('EnsureHttpStatusCodeIs200', answer.status === 200, answer.status);
  condition('EnsureContentTypeJson', /^application\/json/.test(answer.headers.get('content-type') ?? ''));
  const info = answer.json!;
  standardClaimsValid('ValidateUserInfoStandardClaims', info);
  condition('EnsureUserInfoContainsSub', typeof info.sub === 'string' && info.sub !== '');
  updatedAtValid('EnsureUserInfoUpdatedAtValid', info);
  const names = (info._claim_names ?? {}) as Record<string, string>;
  const sources = (info._claim_sources ?? {}) as Record<string, unknown>;
  condition(
    'EnsureMemberValuesInClaimNameReferenceToMemberNamesInClaimSources',
    Object.values(names).every((s) => s in sources),
  );
  condition('VerifyUserInfoAndIdTokenInTokenEndpointSameSub', info.sub === idToken.claims.sub, {
    userinfo: info.sub,
    id_token: idToken.claims.sub,
  });
  return info;
}
