/**
 * oidcc-config-certification-test-plan ("Config OP"): OIDCCDiscoveryEndpointVerification, the discovery
 * document and JWKS against the conditions the suite runs (static client, discovery).
 */
import type { JSONWebKeySet } from 'jose';
import { condition, httpsUrl, serverKeysAndConfiguration } from './kit.js';
import { definePlan } from './suite.js';

const DISCOVERY = '/.well-known/openid-configuration';
const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
/** RFC 6749 A.4 scope-token: %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** BCP 47 language tag, structurally (language, script, region, variants). */
const BCP47 = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?(-[a-z\d]{5,8})*$/i;
/** The metadata names of OpenID Connect Discovery, RFC 8414 and the registered extensions the suite knows. */
const KNOWN = new Set(
  `issuer authorization_endpoint token_endpoint userinfo_endpoint jwks_uri registration_endpoint scopes_supported
  response_types_supported response_modes_supported grant_types_supported acr_values_supported subject_types_supported
  id_token_signing_alg_values_supported id_token_encryption_alg_values_supported id_token_encryption_enc_values_supported
  userinfo_signing_alg_values_supported userinfo_encryption_alg_values_supported userinfo_encryption_enc_values_supported
  request_object_signing_alg_values_supported request_object_encryption_alg_values_supported
  request_object_encryption_enc_values_supported token_endpoint_auth_methods_supported
  token_endpoint_auth_signing_alg_values_supported display_values_supported claim_types_supported claims_supported
  service_documentation claims_locales_supported ui_locales_supported claims_parameter_supported request_parameter_supported
  request_uri_parameter_supported require_request_uri_registration op_policy_uri op_tos_uri revocation_endpoint
  revocation_endpoint_auth_methods_supported revocation_endpoint_auth_signing_alg_values_supported introspection_endpoint
  introspection_endpoint_auth_methods_supported introspection_endpoint_auth_signing_alg_values_supported
  code_challenge_methods_supported end_session_endpoint check_session_iframe frontchannel_logout_supported
  frontchannel_logout_session_supported backchannel_logout_supported backchannel_logout_session_supported
  pushed_authorization_request_endpoint require_pushed_authorization_requests authorization_response_iss_parameter_supported
  dpop_signing_alg_values_supported mtls_endpoint_aliases tls_client_certificate_bound_access_tokens
  authorization_signing_alg_values_supported authorization_encryption_alg_values_supported
  authorization_encryption_enc_values_supported introspection_signing_alg_values_supported
  introspection_encryption_alg_values_supported introspection_encryption_enc_values_supported
  device_authorization_endpoint backchannel_authentication_endpoint backchannel_token_delivery_modes_supported
  backchannel_authentication_request_signing_alg_values_supported backchannel_user_code_parameter_supported
  require_signed_request_object prompt_values_supported signed_metadata`.split(/\s+/),
);

definePlan('oidcc-config-certification-test-plan', [
  {
    name: 'oidcc-discovery-endpoint-verification',
    async run(w, run) {
      const discoveryUrl = `${w.issuer}${DISCOVERY}`;
      const res = await w.fetch(discoveryUrl);
      condition('EnsureDiscoveryEndpointResponseStatusCodeIs200', res.status === 200, res.status);
      condition(
        'CheckDiscoveryEndpointReturnedJsonContentType',
        /^application\/json/.test(res.headers.get('content-type') ?? ''),
      );
      const s = (await res.json()) as Record<string, unknown>;
      const types = s.response_types_supported as string[];
      const oidcTypes = [
        'code',
        'code id_token',
        'id_token',
        'token id_token',
        'code id_token token',
        'code token',
      ];
      condition(
        'OIDCCCheckDiscEndpointResponseTypesSupported',
        strings(types) && types.some((t) => oidcTypes.includes(t)),
        types,
      );
      condition(
        'CheckDiscEndpointDiscoveryUrl',
        discoveryUrl.startsWith('https://') && discoveryUrl.endsWith(DISCOVERY),
      );
      const trim = (u: string) => u.replace(/\/$/, '');
      condition(
        'CheckDiscEndpointIssuer',
        trim(String(s.issuer)) === trim(discoveryUrl.slice(0, -DISCOVERY.length)),
        s.issuer,
      );
      const iss = new URL(String(s.issuer));
      condition(
        'CheckDiscEndpointIssuerIsValidUrl',
        iss.protocol === 'https:' && !!iss.host && !iss.search && !iss.hash && !iss.username && !iss.password,
      );
      // ValidateServerMetadataAgainstSchema (structural): arrays of strings, booleans, URL strings.
      for (const [k, v] of Object.entries(s)) {
        if (
          k.endsWith('_supported') &&
          !/_parameter_supported$|logout_supported|logout_session_supported|_iss_parameter_supported$|backchannel_user_code_parameter_supported/.test(
            k,
          )
        )
          condition('ValidateServerMetadataAgainstSchema', strings(v), { [k]: v });
        else if (k.endsWith('_supported') || k.startsWith('require_'))
          condition('ValidateServerMetadataAgainstSchema', typeof v === 'boolean', { [k]: v });
        else if (k.endsWith('_endpoint') || k.endsWith('_uri'))
          condition('ValidateServerMetadataAgainstSchema', typeof v === 'string' && URL.canParse(v), {
            [k]: v,
          });
      }
      run.warning('CheckForUnexpectedParametersInServerMetadata', () =>
        condition(
          'unknown metadata',
          Object.keys(s).every((k) => KNOWN.has(k)),
          Object.keys(s).filter((k) => !KNOWN.has(k)),
        ),
      );
      const subjects = s.subject_types_supported as string[];
      condition(
        'CheckDiscEndpointSubjectTypesSupported',
        strings(subjects) && subjects.some((t) => ['public', 'pairwise'].includes(t)),
      );
      condition(
        'OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported',
        strings(s.id_token_signing_alg_values_supported) &&
          (s.id_token_signing_alg_values_supported as string[]).includes('RS256'),
      );
      if (s.userinfo_signing_alg_values_supported !== undefined)
        condition(
          'OIDCCCheckDiscEndpointUserinfoSigningAlgValuesSupported',
          strings(s.userinfo_signing_alg_values_supported),
        );
      httpsUrl('CheckDiscEndpointAuthorizationEndpoint', s.authorization_endpoint);
      httpsUrl('CheckDiscEndpointTokenEndpoint', s.token_endpoint);
      if (s.userinfo_endpoint === undefined)
        run.warning('CheckDiscEndpointUserinfoEndpoint', () => condition('userinfo_endpoint present', false));
      else httpsUrl('CheckDiscEndpointUserinfoEndpoint', s.userinfo_endpoint);
      if (s.registration_endpoint !== undefined)
        httpsUrl('CheckDiscEndpointRegistrationEndpoint', s.registration_endpoint);
      httpsUrl('CheckJwksUri', s.jwks_uri);
      const keys = await w.fetch(String(s.jwks_uri));
      condition('FetchServerKeys', keys.status === 200, keys.status);
      const jwks = (await keys.json()) as JSONWebKeySet;
      await serverKeysAndConfiguration(s, jwks);
      if (s.request_object_signing_alg_values_supported !== undefined)
        run.warning('CheckDiscEndpointRequestObjectSigningAlgValuesSupportedIncludesRS256', () =>
          condition('RS256', (s.request_object_signing_alg_values_supported as string[]).includes('RS256')),
        );
      run.warning('OIDCCCheckDiscEndpointClaimsSupported', () =>
        condition('claims_supported', strings(s.claims_supported)),
      );
      if (s.grant_types_supported !== undefined)
        condition(
          'OIDCCCheckDiscEndpointGrantTypesSupported',
          strings(s.grant_types_supported) && (s.grant_types_supported as string[]).length > 0,
        );
      if (s.scopes_supported === undefined)
        run.warning('CheckDiscEndpointScopesSupportedContainsOpenId', () =>
          condition('scopes_supported present', false),
        );
      else
        condition(
          'CheckDiscEndpointScopesSupportedContainsOpenId',
          (s.scopes_supported as string[]).includes('openid'),
        );
      condition(
        'CheckDiscEndpointScopesSupportedSyntax',
        ((s.scopes_supported as string[]) ?? []).every((x) => SCOPE_TOKEN.test(x)),
      );
      const locales = [
        ...((s.ui_locales_supported as string[]) ?? []),
        ...((s.claims_locales_supported as string[]) ?? []),
      ];
      condition(
        'CheckDiscEndpointLocalesSyntax',
        locales.every((l) => BCP47.test(l)),
        locales,
      );
      for (const k of Object.keys(s).filter((k) => k.endsWith('_endpoint')))
        httpsUrl(`CheckDiscEndpointAllEndpointsAreHttps (${k})`, s[k]);
      const challenge = s.code_challenge_methods_supported as string[] | undefined;
      if (challenge?.length)
        condition(
          'EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray',
          challenge.some((m) => ['S256', 'plain'].includes(m)),
          challenge,
        );
    },
  },
]);
