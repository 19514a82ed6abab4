/**
 * oidcc-basic-certification-test-plan, first part: the modules that run one or two ordinary code flows
 * with something added to the request (OIDCCServerTest, the userinfo, scope, display, prompt, max_age
 * and hint modules). Each is run with the plan's response mode (the Form Post plan: form_post).
 */
import {
  condition,
  nonRequestedIdTokenClaims,
  SCOPE_CLAIMS,
  serverKeysAndConfiguration,
  SuiteSkipped,
  type Run,
  codeStrength,
  hashes,
  userinfoClaims,
} from './kit.js';
import { Flow, wait, type ResponseMode } from './flow.js';
import type { ModuleDef, SuiteWorld } from './suite.js';

/** A module body with a fresh browser (no cookies from the OP), closed afterwards. */
export function withFlow(
  mode: ResponseMode,
  body: (f: Flow, w: SuiteWorld, run: Run) => Promise<void>,
  client?: (w: SuiteWorld) => Flow['client'],
): ModuleDef['run'] {
  return async (w, run) => {
    await serverKeysAndConfiguration(w.server, w.jwks);
    const f = new Flow(w, run, mode, client?.(w));
    // ConfigureClientForClientSecretBasic / …Post (discovery): the method is listed, when a list is given.
    const methods = w.server.token_endpoint_auth_methods_supported as string[] | undefined;
    const ensure =
      f.client.authMethod === 'client_secret_post'
        ? 'EnsureServerConfigurationSupportsClientSecretPost'
        : 'EnsureServerConfigurationSupportsClientSecretBasic';
    condition(ensure, !methods || methods.includes(f.client.authMethod), methods);
    try {
      await body(f, w, run);
    } finally {
      f.close();
    }
  };
}

/** A module that is OIDCCServerTest's flow with parameters added to the authorization request. */
const withParams = (
  mode: ResponseMode,
  name: string,
  extra: (w: SuiteWorld) => Record<string, string>,
  after?: (f: Flow, r: Awaited<ReturnType<Flow['happy']>>) => void,
): ModuleDef => ({
  name,
  run: withFlow(mode, async (f, w) => {
    const result = await f.happy({ extra: extra(w) });
    after?.(f, result);
  }),
});

/** AbstractOIDCCReturnedClaimsServerTest: skipped when scopes_supported lacks a scope; userinfo checked. */
function returnedClaims(
  mode: ResponseMode,
  name: string,
  scope: string,
  extra: (f: Flow, info: Record<string, unknown>, id: Record<string, unknown>) => void = () => {},
  options: { reverse?: boolean; skipScopeCheck?: boolean; params?: Record<string, string> } = {},
): ModuleDef {
  return {
    name,
    note: options.skipScopeCheck
      ? undefined
      : 'the suite skips it when scopes_supported lacks a requested scope',
    run: withFlow(mode, async (f, w, run) => {
      const supported = (w.server.scopes_supported as string[] | undefined) ?? [];
      const missing = scope.split(' ').filter((s) => !supported.includes(s));
      if (!options.skipScopeCheck && missing.length)
        throw new SuiteSkipped(`scopes_supported does not list ${missing.join(', ')}`);
      // OIDCCAlternateHappyFlow: ReverseScopeOrderInAuthorizationEndpointRequest + reordered parameters.
      const asked = options.reverse ? scope.split(' ').reverse().join(' ') : scope;
      const { tokens } = await f.happy({
        scope: asked,
        reorder: options.reverse,
        ...(options.params ? { extra: options.params } : {}),
      });
      const info = userinfoClaims(await f.userinfo(tokens.accessToken), tokens.idToken);
      run.warning('VerifyScopesReturnedInUserInfoClaims', () => {
        const wanted = asked.split(' ').flatMap((s) => SCOPE_CLAIMS[s] ?? []);
        condition(
          'claims of the requested scopes',
          wanted.every((c) => c in info),
          wanted.filter((c) => !(c in info)),
        );
      });
      extra(f, info, tokens.idToken.claims);
    }),
  };
}

const noName = (where: string, claims: Record<string, unknown>) =>
  condition(`${where} does not contain name`, !('name' in claims));

/** Two authorizations in one browser (AbstractOIDCCSameAuthTwiceServerTest, prompt=login, max_age=1). */
function twice(
  mode: ResponseMode,
  name: string,
  first: Record<string, string>,
  second: (firstIdToken: string) => Record<string, string>,
  check: (a: Record<string, unknown>, b: Record<string, unknown>, secondLogins: number) => void,
  pause = 0,
  note?: string,
): ModuleDef {
  return {
    name,
    ...(note ? { note } : {}),
    run: withFlow(mode, async (f) => {
      const one = await f.happy({ extra: first });
      await wait(pause);
      const req = f.request({ extra: second(one.tokens.idToken.value) });
      const landing = await f.authorize(f.url(req.params));
      const tokens = await f.exchange(req, f.code(landing, req));
      await f.protectedResource(tokens.accessToken);
      check(one.tokens.idToken.claims, tokens.idToken.claims, landing.loginPages);
    }),
  };
}

/** CheckIdTokenAuthTimeClaimsSameIfPresent + CheckIdTokenSubConsistentForSecondAuthorization; no login asked. */
const sameAuth = (a: Record<string, unknown>, b: Record<string, unknown>, logins: number) => {
  condition('the second authorization does not ask the user to log in', logins === 0, { logins });
  if (a.auth_time !== undefined && b.auth_time !== undefined)
    condition('CheckIdTokenAuthTimeClaimsSameIfPresent', a.auth_time === b.auth_time, {
      first: a.auth_time,
      second: b.auth_time,
    });
  condition('CheckIdTokenSubConsistentForSecondAuthorization', a.sub === b.sub);
};

/** CheckSecondIdTokenAuthTimeIsLaterIfPresent, after the login page the suite asks a screenshot of. */
const laterAuth = (a: Record<string, unknown>, b: Record<string, unknown>, logins: number) => {
  condition('ExpectSecondLoginPage: the user is asked to log in again', logins > 0, { logins });
  if (a.auth_time !== undefined && b.auth_time !== undefined)
    condition(
      'CheckSecondIdTokenAuthTimeIsLaterIfPresent',
      (b.auth_time as number) > (a.auth_time as number),
      { first: a.auth_time, second: b.auth_time },
    );
};

const SCREENSHOT_LOGIN = 'screenshot of the second login for review; asserted: a login page is shown';

export function happyModules(mode: ResponseMode): ModuleDef[] {
  const userinfo = (name: string, how: 'get' | 'post-header' | 'post-body'): ModuleDef => ({
    name,
    run: withFlow(mode, async (f, _w, run) => {
      const { tokens } = await f.happy();
      const answer = await f.userinfo(tokens.accessToken, how);
      if (how === 'post-body' && (answer.status < 200 || answer.status > 299))
        run.warning('UserInfoEndpointWithAccessTokenInBodyNotSupported', () =>
          condition('access token in the body accepted', false, answer.status),
        );
      else userinfoClaims(answer, tokens.idToken);
    }),
  });
  return [
    {
      name: 'oidcc-server',
      run: withFlow(mode, async (f, _w, run) => {
        const { req, code, tokens } = await f.happy();
        codeStrength(code);
        run.warning('ExtractExpiresInFromTokenEndpointResponse', () =>
          condition('expires_in', tokens.response.expires_in !== undefined),
        );
        hashes(tokens, code);
        run.warning('EnsureIdTokenDoesNotContainName', () => noName('id_token', tokens.idToken.claims));
        run.warning('EnsureIdTokenDoesNotContainNonRequestedClaims', () => {
          const extra = nonRequestedIdTokenClaims(tokens.idToken.claims, req.params.scope!);
          condition('non-requested claims', extra.length === 0, extra);
        });
      }),
    },
    userinfo('oidcc-userinfo-get', 'get'),
    userinfo('oidcc-userinfo-post-header', 'post-header'),
    userinfo('oidcc-userinfo-post-body', 'post-body'),
    {
      name: 'oidcc-ensure-request-without-nonce-succeeds-for-code-flow',
      // performPostAuthorizationFlow is overridden: the module ends with the code, no token request.
      run: withFlow(mode, async (f) => {
        const req = f.request({ nonce: false });
        f.code(await f.authorize(f.url(req.params)), req);
      }),
    },
    returnedClaims(mode, 'oidcc-scope-profile', 'openid profile'),
    returnedClaims(mode, 'oidcc-scope-email', 'openid email', (f, info, id) => {
      f.run.warning('EnsureIdTokenDoesNotContainName', () => noName('id_token', id));
      f.run.warning('EnsureIdTokenDoesNotContainEmailForScopeEmail', () =>
        condition('id_token without email', !('email' in id)),
      );
      f.run.warning('EnsureUserInfoDoesNotContainName', () => noName('userinfo', info));
    }),
    returnedClaims(mode, 'oidcc-scope-address', 'openid address'),
    returnedClaims(mode, 'oidcc-scope-phone', 'openid phone'),
    returnedClaims(mode, 'oidcc-scope-all', 'openid email phone address profile'),
    returnedClaims(mode, 'oidcc-alternate-happy-flow', 'openid email', () => {}, { reverse: true }),
    withParams(mode, 'oidcc-display-page', () => ({ display: 'page' })),
    withParams(mode, 'oidcc-display-popup', () => ({ display: 'popup' })),
    twice(mode, 'oidcc-prompt-login', {}, () => ({ prompt: 'login' }), laterAuth, 1, SCREENSHOT_LOGIN),
    {
      name: 'oidcc-prompt-none-not-logged-in',
      run: withFlow(mode, (f) => f.promptNoneRefused()),
    },
    twice(mode, 'oidcc-prompt-none-logged-in', {}, () => ({ prompt: 'none' }), sameAuth),
    twice(
      mode,
      'oidcc-max-age-1',
      {},
      () => ({ max_age: '1' }),
      (a, b, logins) => {
        condition('CheckIdTokenAuthTimeClaimPresentDueToMaxAge', typeof b.auth_time === 'number');
        laterAuth(a, b, logins);
        condition(
          'CheckIdTokenAuthTimeIsRecentIfPresent',
          (b.auth_time as number) >= Date.now() / 1000 - 301,
        );
      },
      2,
      SCREENSHOT_LOGIN,
    ),
    twice(
      mode,
      'oidcc-max-age-10000',
      { max_age: '15000' },
      () => ({ max_age: '10000' }),
      (a, b, logins) => {
        condition('CheckIdTokenAuthTimeClaimPresentDueToMaxAge (first)', typeof a.auth_time === 'number');
        condition('CheckIdTokenAuthTimeClaimPresentDueToMaxAge (second)', typeof b.auth_time === 'number');
        sameAuth(a, b, logins);
      },
    ),
    withParams(mode, 'oidcc-ensure-request-with-unknown-parameter-succeeds', () => ({ extra: 'foobar' })),
    twice(mode, 'oidcc-id-token-hint', {}, (hint) => ({ prompt: 'none', id_token_hint: hint }), sameAuth),
    withParams(mode, 'oidcc-login-hint', (w) => ({ login_hint: `buffy@${new URL(w.issuer).hostname}` })),
    {
      ...withParams(mode, 'oidcc-ui-locales', () => ({ ui_locales: 'se' })),
      note: 'the page locale is for human review; asserted: no error',
    },
    withParams(mode, 'oidcc-claims-locales', () => ({ claims_locales: 'se' })),
    withParams(
      mode,
      'oidcc-ensure-request-with-acr-values-succeeds',
      (w) => ({
        acr_values: ((w.server.acr_values_supported as string[] | undefined) ?? ['1', '2']).join(' '),
      }),
      (f, { req, tokens }) =>
        f.run.warning('ValidateIdTokenACRClaimAgainstAcrValuesRequest', () =>
          condition(
            'acr is one of acr_values',
            req.params.acr_values!.split(' ').includes(String(tokens.idToken.claims.acr)),
          ),
        ),
    ),
  ];
}

export { returnedClaims };
