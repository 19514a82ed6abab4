import { expect } from 'chai';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import type * as oidc from 'openid-client';
import { closeAllHttpsFetches, createHttpsFetch } from '../../src/http/https-fetch.js';
import { makeSelfSigned, type SelfSigned } from './self-signed.js';

/** What the test server saw of one request. */
interface Echo {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  clientCertificateCn: string | null;
}

function route(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  switch (new URL(req.url ?? '/', 'https://x').pathname) {
    case '/cookies':
      res.setHeader('set-cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']);
      res.end('ok');
      return;
    case '/redirect':
      res.writeHead(302, { location: '/echo?from=redirect' });
      res.end();
      return;
    case '/empty':
      res.writeHead(204);
      res.end();
      return;
    case '/gzip':
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
      res.end(gzipSync('扉 compressed'));
      return;
  }
  const socket = req.socket as Partial<TLSSocket>;
  const peer = socket.getPeerCertificate?.();
  const echo: Echo = {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    body: body.toString('utf8'),
    clientCertificateCn: peer?.subject ? String(peer.subject.CN) : null,
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(echo));
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => route(req, res, Buffer.concat(chunks)));
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return String((server.address() as AddressInfo).port);
}

describe('createHttpsFetch', function () {
  let tls: SelfSigned;
  let server: https.Server;
  let plain: http.Server;
  let base: string;
  let plainBase: string;

  before(async function () {
    tls = makeSelfSigned();
    server = https.createServer(
      { key: tls.serverKey, cert: tls.serverCert, requestCert: true, rejectUnauthorized: false },
      handler,
    );
    plain = http.createServer(handler);
    base = `https://127.0.0.1:${await listen(server)}`;
    plainBase = `http://127.0.0.1:${await listen(plain)}`;
  });

  after(async function () {
    closeAllHttpsFetches();
    for (const s of [server, plain]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('refuses a server certificate it does not trust, and accepts it with `ca`', async function () {
    const untrusting = createHttpsFetch();
    try {
      await untrusting(`${base}/echo`);
      expect.fail('the self-signed certificate was accepted');
    } catch (error) {
      // fetch's shape: a TypeError whose cause is the TLS error.
      expect(error).to.be.instanceOf(TypeError);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    }
    const trusting = createHttpsFetch({ ca: tls.serverCert });
    const res = await trusting(`${base}/echo`);
    expect(res.status).to.equal(200);
    expect(res.url).to.equal(`${base}/echo`);
    const echo = (await res.json()) as Echo;
    expect(echo.method).to.equal('GET');
    expect(echo.clientCertificateCn).to.equal(null);
  });

  it('accepts any server certificate with rejectUnauthorized: false', async function () {
    const res = await createHttpsFetch({ rejectUnauthorized: false })(`${base}/echo`);
    expect(res.status).to.equal(200);
  });

  it('presents a client certificate given as PEM or as PKCS#12', async function () {
    const pem = createHttpsFetch({ ca: tls.serverCert, cert: tls.clientCert, key: tls.clientKey });
    expect(((await (await pem(`${base}/echo`)).json()) as Echo).clientCertificateCn).to.equal('p-00-test #1');
    const pfx = createHttpsFetch({
      ca: tls.serverCert,
      pfx: tls.clientPfx,
      passphrase: tls.clientPfxPassword,
    });
    expect(((await (await pfx(`${base}/echo`)).json()) as Echo).clientCertificateCn).to.equal('p-00-test #1');
  });

  it('sends headers given as an object, an array or Headers, and the request bodies fetch accepts', async function () {
    const fetch = createHttpsFetch({ ca: tls.serverCert });
    const post = async (init: RequestInit) => (await (await fetch(`${base}/echo?x=1`, init)).json()) as Echo;

    const form = await post({
      method: 'POST',
      headers: { 'X-One': 'object', authorization: 'Basic abc' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c d' }),
    });
    expect(form).to.include({
      method: 'POST',
      url: '/echo?x=1',
      body: 'grant_type=authorization_code&code=c+d',
    });
    expect(form.headers).to.include({
      'x-one': 'object',
      authorization: 'Basic abc',
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      'content-length': String(form.body.length),
    });

    const text = await post({ method: 'PUT', headers: [['x-two', 'array']], body: 'ユーザ' });
    expect(text.body).to.equal('ユーザ');
    expect(text.headers).to.include({
      'x-two': 'array',
      'content-length': String(Buffer.byteLength('ユーザ')),
    });

    const bytes = await post({
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/octet-stream', 'x-three': 'headers' }),
      body: new Uint8Array([104, 105]),
    });
    expect(bytes.body).to.equal('hi');
    expect(bytes.headers).to.include({ 'content-type': 'application/octet-stream', 'x-three': 'headers' });

    const fromRequest = (await (
      await fetch(
        new Request(`${base}/echo`, { method: 'POST', body: '{"a":1}', headers: { 'x-four': 'req' } }),
      )
    ).json()) as Echo;
    expect(fromRequest).to.include({ method: 'POST', body: '{"a":1}' });
    expect(fromRequest.headers['x-four']).to.equal('req');
  });

  it('never follows a redirect: the 3xx comes back with its Location', async function () {
    const fetch = createHttpsFetch({ ca: tls.serverCert });
    const res = await fetch(`${base}/redirect`, { redirect: 'manual' });
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal('/echo?from=redirect');
    const error = await fetch(`${base}/redirect`, { redirect: 'error' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TypeError);
  });

  it('keeps every Set-Cookie header, handles bodiless and compressed responses', async function () {
    const fetch = createHttpsFetch({ ca: tls.serverCert });
    const cookies = await fetch(`${base}/cookies`);
    expect(cookies.headers.getSetCookie()).to.deep.equal(['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']);
    const empty = await fetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).to.equal(204);
    expect(empty.body).to.equal(null);
    const gzip = await fetch(`${base}/gzip`, { headers: { 'accept-encoding': 'gzip' } });
    expect(await gzip.text()).to.equal('扉 compressed');
  });

  it('speaks plain http too, honours an aborted signal, and refuses a body on GET', async function () {
    const fetch = createHttpsFetch();
    expect(((await (await fetch(`${plainBase}/echo`)).json()) as Echo).method).to.equal('GET');
    const aborted = await fetch(`${plainBase}/echo`, { signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect((aborted as Error).name).to.equal('AbortError');
    const withBody = await fetch(`${plainBase}/echo`, { body: 'x' }).catch((e: unknown) => e);
    expect(withBody).to.be.instanceOf(TypeError);
  });

  it('fits openid-client as customFetch, and keeps connections alive until close()', async function () {
    const fetch = createHttpsFetch({ ca: tls.serverCert });
    const custom: oidc.CustomFetch = fetch; // type-level: no cast needed
    const res = await custom(`${base}/echo`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: 'a=b',
      redirect: 'manual',
    });
    expect(((await res.json()) as Echo).body).to.equal('a=b');
    await fetch(`${base}/echo`);
    const openBefore = await new Promise<number>((resolve, reject) =>
      server.getConnections((e, n) => (e ? reject(e) : resolve(n))),
    );
    expect(openBefore).to.be.greaterThan(0);
    fetch.close();
    closeAllHttpsFetches();
    let open = openBefore;
    for (let i = 0; i < 50 && open > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      open = await new Promise<number>((resolve, reject) =>
        server.getConnections((e, n) => (e ? reject(e) : resolve(n))),
      );
    }
    expect(open).to.equal(0);
  });
});
