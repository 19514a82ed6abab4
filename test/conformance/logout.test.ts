/**
 * oidcc-rp-initiated-logout-certification-test-plan ("RP-Initiated OP"): a code flow, then the browser
 * at the end_session_endpoint with the module's parameters (AbstractOIDCCRpInitiatedLogout), then —
 * after a redirect to the post_logout_redirect_uri — prompt=none, which must fail as the user is out.
 */
import { SignJWT } from 'jose';
import { condition, httpsUrl, randomEndSessionState } from './kit.js';
import { withFlow } from './basic-happy.js';
import type { Flow } from './flow.js';
import { PENDING_LOGOUT } from './pending.js';
import { definePlan, POST_LOGOUT_REDIRECT_URI, SUITE_BASE, type ModuleDef } from './suite.js';
import type { BrowserResponse } from '../helpers/browser.js';

type EndSession = Record<string, string>;

/** The browser at the end_session_endpoint; the user confirms a logout question if one is asked. */
async function endSession(f: Flow, request: EndSession) {
  const url = new URL(String(f.w.server.end_session_endpoint));
  for (const [k, v] of Object.entries(request)) url.searchParams.append(k, v); // BuildRedirectToEndSessionEndpoint
  let response: BrowserResponse = await f.browser.request(url.href);
  let confirmations = 0;
  for (let hops = 0; hops < 10; hops += 1) {
    if (response.location?.startsWith(f.w.issuer)) response = await f.browser.request(response.location);
    else if (response.location) return { left: new URL(response.location), confirmations, page: response };
    else {
      const form = /<form[^>]*id="op\.logoutForm"[^>]*action="([^"]+)"/.exec(response.text);
      if (!form) return { left: undefined, confirmations, page: response };
      confirmations += 1;
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(response.text)?.[1] ?? '';
      response = await f.browser.request(new URL(form[1]!, f.w.issuer).href, {
        form: { xsrf, logout: 'yes' },
      });
    }
  }
  throw new Error('too many hops');
}

type Outcome = 'redirect' | 'logged-out page' | 'error or confirmation';
const NOTES: Record<Outcome, string | undefined> = {
  redirect: undefined,
  'logged-out page': "screenshot of the 'you are logged out' page; asserted: no redirect, a 200 page",
  'error or confirmation': 'screenshot of the error or confirmation; asserted: no redirect back to the suite',
};

/** One logout module: a normal flow, the end session request as the module changes it, the outcome it expects. */
function logoutModule(
  name: string,
  outcome: Outcome,
  change: (r: EndSession, f: Flow, idToken: string) => Promise<void> | void,
): ModuleDef {
  return {
    name,
    ...(NOTES[outcome] ? { note: NOTES[outcome] } : {}),
    run: withFlow('default', async (f, _w, run) => {
      const { tokens } = await f.happy({ stateLength: 128 });
      const state = randomEndSessionState();
      const request: EndSession = {
        id_token_hint: tokens.idToken.value,
        post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
        state,
      };
      await change(request, f, tokens.idToken.value);
      const result = await endSession(f, request);
      if (outcome !== 'redirect') {
        condition(
          'the OP must not redirect to the post_logout_redirect_uri',
          !result.left?.href.startsWith(SUITE_BASE),
          result.left?.href,
        );
        if (outcome === 'logged-out page')
          condition('ExpectSuccessfulLogoutPage', result.page.status === 200, result.page.status);
        else
          condition(
            'an error page or a logout confirmation',
            result.confirmations > 0 || result.page.status >= 400,
            result.page.status,
          );
        return;
      }
      condition(
        'the OP redirects to the post_logout_redirect_uri',
        result.left !== undefined &&
          `${result.left.origin}${result.left.pathname}` === POST_LOGOUT_REDIRECT_URI,
        result.left?.href ?? result.page.status,
      );
      const query = Object.fromEntries(result.left!.searchParams);
      if (request.state)
        condition('CheckPostLogoutState', query.state === state, { state: query.state, expected: state });
      else condition('CheckNoPostLogoutState', query.state === undefined, query);
      run.warning('CheckForUnexpectedParametersInPostLogoutRedirect', () =>
        condition(
          'only state',
          Object.keys(query).every((k) => k === 'state'),
          Object.keys(query),
        ),
      );
      await f.promptNoneRefused(); // the user is logged out
    }),
  };
}

const without =
  (...keys: string[]) =>
  (r: EndSession) =>
    keys.forEach((k) => delete r[k]);

definePlan(
  'oidcc-rp-initiated-logout-certification-test-plan',
  [
    {
      name: 'oidcc-rp-initiated-logout-discovery-endpoint-verification',
      async run(w) {
        for (const k of Object.keys(w.server).filter((k) => k.endsWith('_endpoint')))
          httpsUrl(`CheckDiscEndpointAllEndpointsAreHttps (${k})`, w.server[k]);
        httpsUrl('CheckDiscEndSessionEndpoint', w.server.end_session_endpoint);
      },
    },
    logoutModule('oidcc-rp-initiated-logout', 'redirect', () => {}),
    logoutModule('oidcc-rp-initiated-logout-bad-post-logout-redirect-uri', 'error or confirmation', (r) => {
      r.post_logout_redirect_uri = `${SUITE_BASE}/bad_post_logout_redirect_uri`;
    }),
    logoutModule('oidcc-rp-initiated-logout-modified-id-token-hint', 'error or confirmation', (r) => {
      // ChangeIdTokenToAlgNone: {"alg": "none"} header, the same payload, no signature.
      r.id_token_hint = `${Buffer.from('{"alg": "none"}').toString('base64url')}.${r.id_token_hint!.split('.')[1]}.`;
    }),
    logoutModule(
      'oidcc-rp-initiated-logout-no-id-token-hint',
      'error or confirmation',
      without('id_token_hint'),
    ),
    logoutModule(
      'oidcc-rp-initiated-logout-no-params',
      'logged-out page',
      without('id_token_hint', 'post_logout_redirect_uri', 'state'),
    ),
    logoutModule(
      'oidcc-rp-initiated-logout-no-post-logout-redirect-uri',
      'logged-out page',
      without('post_logout_redirect_uri'),
    ),
    logoutModule('oidcc-rp-initiated-logout-no-state', 'redirect', without('state')),
    logoutModule(
      'oidcc-rp-initiated-logout-only-state',
      'logged-out page',
      without('id_token_hint', 'post_logout_redirect_uri'),
    ),
    logoutModule(
      'oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri',
      'error or confirmation',
      (r) => {
        r.post_logout_redirect_uri += '?foo=bar';
      },
    ),
    logoutModule('oidcc-rp-initiated-logout-bad-id-token-hint', 'error or confirmation', async (r, f) => {
      // GenerateFakeIdTokenClaims + SignFakeIdToken with a key made from the client secret.
      const now = Math.floor(Date.now() / 1000);
      r.id_token_hint = await new SignJWT({ nonce: 'flibble' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(f.client.clientId)
        .setSubject('SubjectID')
        .setAudience(f.w.issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(new TextEncoder().encode(f.client.clientSecret));
    }),
  ],
  PENDING_LOGOUT,
);
