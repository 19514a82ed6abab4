/**
 * A throwaway OpenID provider for testing the demo relying party alone (the real Tobira is tested
 * end to end elsewhere): discovery, JWKS, a token endpoint that checks client_secret_basic and PKCE
 * and returns an ES256 ID token, userinfo, and an end_session_endpoint. HTTPS with a self-signed
 * certificate, so the RP must really trust the `caPem` it is given.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SelfSigned } from '../http/self-signed.js';

export interface IssuedCode {
  /** code_challenge from the authorization request the test followed. */
  codeChallenge: string;
  nonce: string;
  redirectUri: string;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
}

export interface FakeIssuer {
  issuer: string;
  /** Register what the token endpoint answers for `code`. */
  issue(code: string, grant: IssuedCode): void;
  /** Token requests the issuer refused, with the reason (a test asserts there were none). */
  refusals: string[];
  lastIdToken?: string;
  close(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFakeIssuer(
  tls: SelfSigned,
  client: { clientId: string; clientSecret: string },
): Promise<FakeIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const signJwt = (payload: Record<string, unknown>) => {
    const input = `${b64url({ alg: 'ES256', kid: 'test-key', typ: 'JWT' })}.${b64url(payload)}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, Record<string, unknown>>();
  let issuer = '';

  const fake: FakeIssuer = {
    get issuer() {
      return issuer;
    },
    issue: (code, grant) => void codes.set(code, grant),
    refusals: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  function token(req: http.IncomingMessage, res: http.ServerResponse, form: URLSearchParams): void {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
      .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    const basicOk =
      req.headers.authorization?.startsWith('Basic ') &&
      id === client.clientId &&
      secret === client.clientSecret;
    const grant = codes.get(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const refusal = !basicOk
      ? 'client authentication is not client_secret_basic with the right secret'
      : !grant
        ? 'unknown code'
        : createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge
          ? 'PKCE code_verifier does not match code_challenge'
          : form.get('redirect_uri') !== grant.redirectUri
            ? 'redirect_uri differs'
            : null;
    if (refusal || !grant) {
      fake.refusals.push(refusal ?? 'unknown code');
      return json(res, 400, { error: 'invalid_grant', error_description: refusal });
    }
    codes.delete(form.get('code')!);
    const now = Math.floor(Date.now() / 1000);
    const idToken = signJwt({
      iss: issuer,
      aud: client.clientId,
      iat: now,
      exp: now + 300,
      nonce: grant.nonce,
      ...grant.claims,
    });
    fake.lastIdToken = idToken;
    const accessToken = `at-${Math.random().toString(36).slice(2)}`;
    accessTokens.set(accessToken, grant.userinfo);
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    switch (new URL(req.url ?? '/', issuer).pathname) {
      case '/.well-known/openid-configuration':
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/me`,
          jwks_uri: `${issuer}/jwks`,
          end_session_endpoint: `${issuer}/session/end`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
        });
      case '/jwks':
        return json(res, 200, { keys: [jwk] });
      case '/token':
        return token(req, res, new URLSearchParams(body));
      case '/me': {
        const userinfo = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        return userinfo ? json(res, 200, userinfo) : json(res, 401, { error: 'invalid_token' });
      }
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  const server = https.createServer({ key: tls.serverKey, cert: tls.serverCert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
