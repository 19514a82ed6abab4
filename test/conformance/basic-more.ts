/**
 * oidcc-basic-certification-test-plan, second part: error responses, code reuse, redirect URIs, POST,
 * client_secret_post, request objects, essential claims, refresh tokens and PKCE — and the plan in the
 * suite's order. Each is run with the plan's response mode (the Form Post plan: form_post).
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { condition, errorDescriptionValid, shannonBits, SuiteSkipped } from './kit.js';
import { wait, type Flow, type HttpAnswer, type Landing, type ResponseMode } from './flow.js';
import { happyModules, returnedClaims, withFlow } from './basic-happy.js';
import { REDIRECT_URI, type ModuleDef } from './suite.js';

const STATIC_CLIENT =
  'VariantNotApplicable for client registration static_client (dynamic registration only)';

/** An OP's error page the suite asks a screenshot of: no redirect to the suite, an error status. */
function errorPage(landing: Landing, what: string): void {
  condition(
    `${what}: the OP shows an error page instead of redirecting`,
    landing.callback === undefined && landing.left.length === 0,
    landing.left,
  );
  condition(`${what}: the page is an error`, (landing.page?.status ?? 0) >= 400, landing.page?.status);
}

/** CheckTokenEndpointHttpStatus400, …ReturnedJsonContentType, …ErrorInvalidGrant. */
function invalidGrant(answer: HttpAnswer): void {
  condition('CheckTokenEndpointHttpStatus400', answer.status === 400, answer.status);
  condition(
    'CheckTokenEndpointReturnedJsonContentType',
    /^application\/json/.test(answer.headers.get('content-type') ?? ''),
  );
  condition(
    'CheckErrorFromTokenEndpointResponseErrorInvalidGrant',
    answer.json?.error === 'invalid_grant',
    answer.json,
  );
}

/** AbstractOIDCCAuthCodeReuse.checkResponse: invalid_grant as above, a valid error description. */
function reuseRefused(answer: HttpAnswer): void {
  invalidGrant(answer);
  condition(
    'ValidateErrorDescriptionFromTokenEndpointResponseError',
    errorDescriptionValid(answer.json?.error_description),
  );
}

function codeReuse(mode: ResponseMode, name: string, delay: number): ModuleDef {
  return {
    name,
    early: delay > 0,
    run: withFlow(mode, async (f, _w, run) => {
      const { req, code, tokens } = await f.happy();
      await wait(delay);
      const again = await f.token(req.client, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      });
      if (delay === 0 && again.status === 200)
        run.warning('ServerAllowedReusingAuthorizationCode', () => condition('code reuse refused', false));
      else reuseRefused(again);
      if (delay > 0) {
        const resource = await f.userinfo(tokens.accessToken);
        run.warning('EnsureHttpStatusCodeIs4xx (access token revoked after code reuse)', () =>
          condition('4xx', resource.status >= 400 && resource.status < 500, resource.status),
        );
      }
    }),
  };
}

/** AbstractOIDCCRequestObjectServerTest: the request as an unsigned (alg none) request object, by value. */
function requestObject(mode: ResponseMode, name: string, invalidOuterRedirect: boolean): ModuleDef {
  return {
    name,
    note: "the suite skips it when the OP answers 'request_not_supported'",
    run: withFlow(mode, async (f, w, run) => {
      const algs = w.server.request_object_signing_alg_values_supported as string[] | undefined;
      if (algs && !algs.includes('none'))
        throw new SuiteSkipped("'none' is not listed in request_object_signing_alg_values_supported");
      const req = f.request();
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const jwt = `${b64({ alg: 'none' })}.${b64(req.params)}.`;
      // BuildRequestObjectByValueRedirectToAuthorizationEndpoint: request + the required duplicates, sorted.
      const outer: Record<string, string> = { request: jwt };
      for (const k of ['client_id', 'redirect_uri', 'response_type', 'scope']) outer[k] = req.params[k]!;
      if (invalidOuterRedirect) outer.redirect_uri = `${REDIRECT_URI}_invalid`; // AddInvalidRedirectUriToAuthorizationRequest
      const sorted = Object.fromEntries(Object.entries(outer).sort(([a], [b]) => a.localeCompare(b)));
      const landing = await f.authorize(f.url(sorted));
      if (invalidOuterRedirect && !landing.callback) return errorPage(landing, 'ExpectRedirectUriErrorPage');
      const error = landing.callback?.params.error;
      if (error === 'request_not_supported') {
        condition('EnsureOPDoesNotUseDefaultRedirectUriInCaseOfInvalidRedirectUri', !invalidOuterRedirect);
        throw new SuiteSkipped("the OP answered 'request_not_supported' (request objects are optional)");
      }
      run.warning('CheckDiscEndpointRequestParameterSupported', () =>
        condition('request_parameter_supported', w.server.request_parameter_supported === true),
      );
      const tokens = await f.exchange(req, f.code(landing, req));
      await f.protectedResource(tokens.accessToken);
    }),
  };
}

/** RefreshTokenRequestSteps: the refresh works, a Bearer token with entropy comes back, ID token claims compare. */
async function refresh(
  f: Flow,
  client: Flow['client'],
  token: string,
  first: Record<string, unknown>,
  scope?: string,
) {
  await wait(1); // WaitForOneSecond: iat must differ
  const answer = await f.token(client, {
    grant_type: 'refresh_token',
    refresh_token: token,
    ...(scope ? { scope } : {}),
  });
  condition('CheckTokenEndpointHttpStatus200', answer.status === 200, answer.json);
  condition(
    'CheckTokenEndpointReturnedJsonContentType',
    /^application\/json/.test(answer.headers.get('content-type') ?? ''),
  );
  condition('CheckTokenEndpointCacheHeaders', /no-store/.test(answer.headers.get('cache-control') ?? ''));
  const r = answer.json!;
  condition('CheckTokenTypeIsBearer', String(r.token_type).toLowerCase() === 'bearer', r.token_type);
  condition('EnsureMinimumAccessTokenEntropy', shannonBits(String(r.access_token)) > 96);
  condition('EnsureAccessTokenContainsAllowedCharactersOnly', /^[\x20-\x7e]+$/.test(String(r.access_token)));
  if (typeof r.refresh_token === 'string')
    condition('EnsureMinimumRefreshTokenEntropy', shannonBits(r.refresh_token) > 96);
  if (typeof r.id_token === 'string') {
    const second = decodeJwt(r.id_token); // ExtractIdTokenFromTokenResponse (INFO), then CompareIdTokenClaims
    condition(
      'CompareIdTokenClaims',
      second.iss === first.iss && second.sub === first.sub && second.iat !== first.iat,
    );
    if (second.auth_time !== undefined)
      condition('CompareIdTokenClaims (auth_time)', second.auth_time === first.auth_time);
    condition('CompareIdTokenClaims (azp)', second.azp === first.azp);
  }
  await f.protectedResource(String(r.access_token));
  return typeof r.refresh_token === 'string' ? r.refresh_token : token;
}

export function basicPlan(mode: ResponseMode): ModuleDef[] {
  const happy = happyModules(mode);
  const byName = (n: string) => happy.find((m) => m.name === n)!;
  return [
    byName('oidcc-server'),
    {
      name: 'oidcc-response-type-missing',
      note: 'an error page gets a screenshot; asserted: error page, or invalid_request / unsupported_response_type at the redirect URI',
      run: withFlow(mode, async (f) => {
        const req = f.request({ responseType: false });
        const landing = await f.authorize(f.url(req.params));
        if (!landing.callback) return errorPage(landing, 'ExpectResponseTypeMissingErrorPage');
        const params = f.errorResponse(landing, req);
        condition(
          'CheckErrorFromAuthorizationEndpointErrorInvalidRequestOrUnsupportedResponseType',
          ['invalid_request', 'unsupported_response_type'].includes(params.error!),
          params.error,
        );
      }),
    },
    { name: 'oidcc-idtoken-signature', notApplicable: STATIC_CLIENT, run: async () => {} },
    { name: 'oidcc-idtoken-unsigned', notApplicable: STATIC_CLIENT, run: async () => {} },
    ...happy.filter((m) => m.name !== 'oidcc-server'),
    codeReuse(mode, 'oidcc-codereuse', 0),
    codeReuse(mode, 'oidcc-codereuse-30seconds', 30),
    {
      name: 'oidcc-ensure-registered-redirect-uri',
      note: 'the error page gets a screenshot; asserted: an error page, no redirect',
      run: withFlow(mode, async (f) => {
        // CreateBadRedirectUriByAppending: base_url/callback/<10 random characters>.
        const req = f.request({
          redirectUri: `${REDIRECT_URI}/${randomBytes(8).toString('hex').slice(0, 10)}`,
        });
        errorPage(await f.authorize(f.url(req.params)), 'ExpectRedirectUriErrorPage');
      }),
    },
    {
      name: 'oidcc-ensure-post-request-succeeds',
      run: withFlow(mode, async (f) => {
        await f.happy({ post: true });
      }),
    },
    {
      name: 'oidcc-server-client-secret-post',
      run: withFlow(
        mode,
        (f) => f.happy().then(() => undefined),
        (w) => w.clients.post,
      ),
    },
    {
      name: 'oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported',
      notApplicable: STATIC_CLIENT,
      run: async () => {},
    },
    requestObject(
      mode,
      'oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported',
      false,
    ),
    returnedClaims(
      mode,
      'oidcc-claims-essential',
      'openid',
      (f, info, id) => {
        f.run.warning('EnsureUserInfoContainsName', () =>
          condition('userinfo has name', typeof info.name === 'string'),
        );
        f.run.warning('EnsureIdTokenDoesNotContainName', () =>
          condition('id_token without name', !('name' in id)),
        );
      },
      {
        skipScopeCheck: true,
        params: { claims: JSON.stringify({ userinfo: { name: { essential: true } } }) },
      },
    ),
    requestObject(mode, 'oidcc-ensure-request-object-with-redirect-uri', true),
    {
      name: 'oidcc-refresh-token',
      note: 'the suite skips it when no refresh token is issued',
      run: withFlow(mode, async (f, w, run) => {
        const offline = ((w.server.scopes_supported as string[] | undefined) ?? []).includes(
          'offline_access',
        );
        const scope = offline ? 'openid offline_access' : 'openid';
        let last = '';
        for (const [i, client] of [w.clients.client, w.clients.client2].entries()) {
          const extra: Record<string, string> = scope.includes('offline_access') ? { prompt: 'consent' } : {};
          const { tokens } = await f.happy({ client, scope, ...(i === 1 ? { nonceLength: 43 } : {}), extra });
          if (!tokens.refreshToken)
            throw new SuiteSkipped('Refresh tokens cannot be tested. No refresh token was issued.');
          run.warning('EnsureServerConfigurationSupportsRefreshToken', () =>
            condition(
              'grant_types_supported has refresh_token',
              (w.server.grant_types_supported as string[]).includes('refresh_token'),
            ),
          );
          condition(
            'EnsureRefreshTokenContainsAllowedCharactersOnly',
            /^[\x20-\x7e]+$/.test(tokens.refreshToken),
          );
          last = await refresh(
            f,
            client,
            tokens.refreshToken,
            tokens.idToken.claims,
            i === 0 ? scope : undefined,
          );
        }
        // performSecondClientTests: client 2's refresh token used by client 1.
        const answer = await f.token(w.clients.client, {
          grant_type: 'refresh_token',
          refresh_token: last,
          scope,
        });
        // RefreshTokenRequestExpectingErrorSteps
        condition('ValidateErrorFromTokenEndpointResponseError', typeof answer.json?.error === 'string');
        invalidGrant(answer);
      }),
    },
    {
      name: 'oidcc-ensure-request-with-valid-pkce-succeeds',
      run: withFlow(mode, async (f) => {
        const verifier = randomBytes(32).toString('base64url');
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        await f.happy({
          extra: { code_challenge: challenge, code_challenge_method: 'S256' },
          onRequest: (r) => (r.codeVerifier = verifier),
        });
      }),
    },
  ];
}
