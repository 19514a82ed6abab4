/**
 * AbstractOIDCCServerTest as steps: build the authorization request as the suite does, send the user's
 * browser (a real client certificate, Tobira's ID/password and consent pages) to the authorization
 * endpoint, read the response at the suite's redirect URI (query or form_post), call the token and
 * userinfo endpoints and run the module's conditions on each answer.
 */
import { TestBrowser, htmlText, type BrowserResponse } from '../helpers/browser.js';
import {
  condition,
  cspAllowsAutoSubmit,
  errorDescriptionValid,
  errorUriValid,
  randomValue,
  standardIdTokenChecks,
  type IdToken,
  type Run,
} from './kit.js';
import { PASSWORD, REDIRECT_URI, SUITE_BASE, type SuiteClient, type SuiteWorld } from './suite.js';

export type ResponseMode = 'default' | 'form_post';

export interface AuthRequest {
  client: SuiteClient;
  /** authorization_endpoint_request, in the order the suite builds it. */
  params: Record<string, string>;
  state?: string;
  nonce?: string;
  codeVerifier?: string;
}

/** What reached the suite's redirect URI (the callback), or the page the browser stopped on. */
export interface Landing {
  callback?: { method: 'GET' | 'POST'; url: URL; params: Record<string, string> };
  page?: BrowserResponse;
  /** Tobira's login and consent pages the user went through on the way. */
  loginPages: number;
  consentPages: number;
  /** Every URL outside Tobira the browser was sent to. */
  left: string[];
}

export interface Tokens {
  response: Record<string, unknown>;
  accessToken: string;
  refreshToken?: string;
  idToken: IdToken;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown> | null;
}

/** The suite's "full response": status, headers and the body as JSON (null when it is not JSON). */
async function answerOf(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  const json = ((): Record<string, unknown> | null => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return null;
    }
  })();
  return { status: res.status, headers: res.headers, json };
}

/** CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface's list. */
const USER_INTERFACE_ERRORS = [
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
];

const FORM_POST_SCRIPT = /<script>([\s\S]*?)<\/script>/;
const hiddenInputs = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)].map((m) => [
      m[1]!,
      htmlText(m[2]!),
    ]),
  );
const formActions = (html: string) =>
  [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => htmlText(m[1]!));

export class Flow {
  readonly browser: TestBrowser;

  constructor(
    readonly w: SuiteWorld,
    readonly run: Run,
    readonly mode: ResponseMode,
    readonly client: SuiteClient = w.clients.client,
  ) {
    // "Please remove any cookies you may have received from the OpenID Provider": a fresh browser per module.
    this.browser = new TestBrowser({
      ca: w.t.tobira.ca.certificatePem,
      pfx: w.user.p12,
      passphrase: w.user.p12Password,
    });
  }

  /** CreateAuthorizationRequestSteps (+ the module's additions, appended in the order it adds them). */
  request(
    options: {
      scope?: string;
      stateLength?: number;
      nonceLength?: number;
      nonce?: boolean;
      responseType?: boolean;
      redirectUri?: string;
      client?: SuiteClient;
      extra?: Record<string, string>;
    } = {},
  ): AuthRequest {
    const client = options.client ?? this.client;
    const params: Record<string, string> = {
      client_id: client.clientId,
      redirect_uri: options.redirectUri ?? REDIRECT_URI,
      scope: options.scope ?? 'openid',
    };
    const state = randomValue(options.stateLength);
    params.state = state;
    let nonce: string | undefined;
    if (options.nonce !== false) params.nonce = nonce = randomValue(options.nonceLength);
    if (options.responseType !== false) params.response_type = 'code';
    if (this.mode === 'form_post') params.response_mode = 'form_post';
    Object.assign(params, options.extra);
    return { client, params, state, ...(nonce ? { nonce } : {}) };
  }

  /** BuildPlainRedirectToAuthorizationEndpoint (or …ReorderedParams: reverse alphabetical order). */
  url(params: Record<string, string>, reorder = false): string {
    const url = new URL(String(this.w.server.authorization_endpoint));
    const keys = Object.keys(params);
    if (reorder) keys.sort().reverse();
    for (const k of keys) url.searchParams.append(k, params[k]!);
    return url.href;
  }

  /** The browser at the authorization endpoint, through Tobira's pages, to wherever it is sent. */
  async authorize(url: string, init: { post?: Record<string, string> } = {}): Promise<Landing> {
    const origin = this.w.issuer;
    const landing: Landing = { loginPages: 0, consentPages: 0, left: [] };
    let response = init.post
      ? await this.browser.request(url, { form: init.post, headers: { origin: new URL(SUITE_BASE).origin } })
      : await this.browser.request(url);
    for (let hops = 0; hops < 20; hops += 1) {
      if (response.location) {
        if (response.location.startsWith(origin)) {
          response = await this.browser.request(response.location);
          continue;
        }
        landing.left.push(response.location);
        const at = new URL(response.location);
        landing.callback = { method: 'GET', url: at, params: Object.fromEntries(at.searchParams) };
        return landing;
      }
      const actions = formActions(response.text);
      const outside = actions.find((a) => !a.startsWith('/') && !a.startsWith(origin));
      if (outside && /<form method="post"/.test(response.text)) {
        // oidc-provider's form_post page: the browser runs its script, which submits the form — if the CSP lets it.
        const script = FORM_POST_SCRIPT.exec(response.text)?.[1] ?? '';
        const blocked = cspAllowsAutoSubmit(
          response.headers['content-security-policy'] as string,
          script,
          outside,
        );
        condition(
          'form_post page: the browser posts the response to the redirect URI',
          blocked === null,
          blocked,
        );
        landing.left.push(outside);
        landing.callback = { method: 'POST', url: new URL(outside), params: hiddenInputs(response.text) };
        return landing;
      }
      const login = actions.find((a) => /\/interaction\/[^/]+\/login$/.test(a));
      const consent = actions.find((a) => /\/interaction\/[^/]+\/consent$/.test(a));
      const csrf = /name="csrf" value="([^"]+)"/.exec(response.text)?.[1] ?? '';
      if (login) {
        landing.loginPages += 1;
        const form = { csrf, userId: this.w.user.account.userId, password: PASSWORD };
        response = await this.browser.request(new URL(login, origin).href, { form });
      } else if (consent) {
        landing.consentPages += 1;
        response = await this.browser.request(new URL(consent, origin).href, {
          form: { csrf, decision: 'allow' },
        });
      } else {
        landing.page = response;
        return landing;
      }
    }
    throw new Error('too many hops');
  }

  /**
   * processCallback + onAuthorizationCallbackResponse: the response at the redirect URI (form_post: a
   * POST of a form, nothing in the query), iss, state; returns the parameters (`code` or `error`).
   */
  callback(landing: Landing, req: AuthRequest, redirectUri = REDIRECT_URI): Record<string, string> {
    const cb = landing.callback;
    condition('the authorization endpoint sends the browser to the redirect URI', cb !== undefined, {
      page: landing.page?.status,
      text:
        landing.page &&
        htmlText(landing.page.text)
          .replace(/<[^>]+>/g, ' ')
          .slice(0, 300),
    });
    condition(
      'the response goes to the redirect URI of the request',
      `${cb!.url.origin}${cb!.url.pathname}` === redirectUri,
      cb!.url.href,
    );
    if (this.mode === 'form_post') {
      condition('CheckCallbackHttpMethodIsPost', cb!.method === 'POST');
      condition('RejectAuthCodeInUrlQuery', !cb!.url.searchParams.has('code'));
      condition('RejectErrorInUrlQuery', !cb!.url.searchParams.has('error'));
    }
    const params = cb!.params;
    if (params.iss !== undefined)
      condition('ValidateIssIfPresentInAuthorizationResponse', params.iss === this.w.issuer, params.iss);
    return params;
  }

  /** The happy path's callback: no error, the state sent, a code (CheckIfAuthorizationEndpointError etc.). */
  code(landing: Landing, req: AuthRequest): string {
    const params = this.callback(landing, req);
    condition('CheckIfAuthorizationEndpointError', params.error === undefined, params);
    condition('CheckStateInAuthorizationResponse', params.state === req.state, {
      state: params.state,
      expected: req.state,
    });
    condition(
      'ExtractAuthorizationCodeFromAuthorizationResponse',
      typeof params.code === 'string' && params.code !== '',
    );
    return params.code!;
  }

  /** performGenericAuthorizationEndpointErrorResponseValidation. */
  errorResponse(landing: Landing, req: AuthRequest): Record<string, string> {
    const params = this.callback(landing, req);
    condition('CheckStateInAuthorizationResponse', params.state === req.state, {
      state: params.state,
      expected: req.state,
    });
    condition('EnsureErrorFromAuthorizationEndpointResponse', typeof params.error === 'string', params);
    condition('RejectAuthCodeInAuthorizationEndpointResponse', params.code === undefined);
    const expected = ['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss'];
    this.run.warning('CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint', () =>
      condition(
        'unexpected parameters',
        Object.keys(params).every((k) => expected.includes(k)),
        Object.keys(params),
      ),
    );
    this.run.warning('CheckErrorDescriptionFromAuthorizationEndpointResponseErrorContainsCRLFTAB', () =>
      condition('CR/LF/TAB in error_description', !/[\r\n\t]/.test(params.error_description ?? '')),
    );
    condition(
      'ValidateErrorDescriptionFromAuthorizationEndpointResponseError',
      errorDescriptionValid(params.error_description),
    );
    condition('ValidateErrorUriFromAuthorizationEndpointResponseError', errorUriValid(params.error_uri));
    return params;
  }

  /** CallTokenEndpointAndReturnFullResponse, with the client's authentication (Basic header or form). */
  async token(client: SuiteClient, form: Record<string, string>): Promise<HttpAnswer> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const body = new URLSearchParams(form);
    if (client.authMethod === 'client_secret_basic') {
      const enc = (s: string) => encodeURIComponent(s);
      headers.authorization = `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret)}`).toString('base64')}`;
    } else {
      body.set('client_id', client.clientId);
      body.set('client_secret', client.clientSecret);
    }
    const res = await this.w.fetch(String(this.w.server.token_endpoint), {
      method: 'POST',
      headers,
      body: body.toString(),
    });
    return answerOf(res);
  }

  /** createAuthorizationCodeRequest + requestAuthorizationCode + the ID token checks of the token response. */
  async exchange(req: AuthRequest, code: string, redirectUri = REDIRECT_URI): Promise<Tokens> {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    };
    if (req.codeVerifier) form.code_verifier = req.codeVerifier;
    const answer = await this.token(req.client, form);
    condition('CheckTokenEndpointHttpStatus200', answer.status === 200, {
      status: answer.status,
      body: answer.json,
    });
    const response = answer.json ?? {};
    condition(
      'CheckForAccessTokenValue',
      typeof response.access_token === 'string' && response.access_token !== '',
    );
    if (response.expires_in !== undefined)
      condition(
        'ValidateExpiresIn',
        typeof response.expires_in === 'number' && response.expires_in > 0,
        response.expires_in,
      );
    condition('ExtractIdTokenFromTokenResponse', typeof response.id_token === 'string', response);
    const idToken = await this.idToken(String(response.id_token), req);
    return {
      response,
      accessToken: String(response.access_token),
      ...(typeof response.refresh_token === 'string' ? { refreshToken: response.refresh_token } : {}),
      idToken,
    };
  }

  /** PerformStandardIdTokenChecks for this request. */
  idToken(value: string, req: AuthRequest): Promise<IdToken> {
    const claims = req.params.claims ? (JSON.parse(req.params.claims) as never) : undefined;
    return standardIdTokenChecks(value, this.w.jwks, {
      issuer: this.w.issuer,
      clientId: req.client.clientId,
      ...(req.nonce ? { nonce: req.nonce } : {}),
      ...(claims ? { claimsRequest: claims } : {}),
    });
  }

  /** CallUserInfoEndpoint (GET or POST with a Bearer header) / CallUserInfoEndpointWithBearerTokenInBody. */
  async userinfo(accessToken: string, how: 'get' | 'post-header' | 'post-body' = 'get'): Promise<HttpAnswer> {
    const url = String(this.w.server.userinfo_endpoint);
    const init: RequestInit =
      how === 'post-body'
        ? {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body: new URLSearchParams({ access_token: accessToken }).toString(),
          }
        : {
            method: how === 'get' ? 'GET' : 'POST',
            headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          };
    const res = await this.w.fetch(url, init);
    return answerOf(res);
  }

  /** requestProtectedResource: the userinfo endpoint as the protected resource, 200 expected. */
  async protectedResource(accessToken: string): Promise<void> {
    const answer = await this.userinfo(accessToken);
    condition('EnsureHttpStatusCodeIs200 (protected resource)', answer.status === 200, answer.status);
  }

  /** AbstractOIDCCServerTest's whole happy flow: request, browser, callback, token, protected resource. */
  async happy(
    options: Parameters<Flow['request']>[0] & {
      reorder?: boolean;
      post?: boolean;
      onRequest?: (r: AuthRequest) => void;
    } = {},
  ) {
    const req = this.request(options);
    options.onRequest?.(req);
    const landing = options.post
      ? await this.authorize(String(this.w.server.authorization_endpoint), { post: req.params })
      : await this.authorize(this.url(req.params, options.reorder));
    const code = this.code(landing, req);
    const tokens = await this.exchange(req, code);
    await this.protectedResource(tokens.accessToken);
    return { req, landing, code, tokens };
  }

  /** prompt=none with no usable session (long state, as the suite sends): an error asking for a user interface. */
  async promptNoneRefused(): Promise<void> {
    const req = this.request({ stateLength: 128, extra: { prompt: 'none' } });
    const params = this.errorResponse(await this.authorize(this.url(req.params)), req);
    condition(
      'CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface',
      USER_INTERFACE_ERRORS.includes(params.error!),
      params.error,
    );
  }

  close(): void {
    this.browser.close();
  }
}

/** Sleep as the suite's WaitForOneSecond / WaitFor2Seconds / WaitFor30Seconds do. */
export const wait = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
