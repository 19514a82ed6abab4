/**
 * Deployment behind a TLS-terminating reverse proxy (SPEC §7): a real nginx asks for the client
 * certificate and forwards it in a header; Tobira trusts that header only from the proxy's address.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestBrowser, formOf } from '../helpers/browser.js';
import { createClient, createTenant, createUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { freePort, startTestTobira, type TestTobira } from '../helpers/tobira.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  return `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/chain.pem;
    ssl_certificate_key ${dir}/server.key;
    # Ask for a certificate; Tobira itself checks chain, validity and revocation and explains failures.
    ssl_verify_client optional_no_ca;
    ssl_client_certificate ${dir}/ca.pem;
    location / {
      proxy_pass https://127.0.0.1:${upstreamPort};
      proxy_ssl_trusted_certificate ${dir}/ca.pem;
      proxy_ssl_verify on;
      proxy_ssl_name localhost;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
    }
  }
}
`;
}

describe('behind nginx (TLS terminated by the proxy)', function () {
  let t: TestTobira;
  let nginx: ChildProcess | null = null;
  let proxyUrl: string;

  before(async function () {
    if (!NGINX)
      throw new Error('nginx is missing: run "npm test" (its pretest step installs Debian\'s nginx)');
    const proxyPort = await freePort();
    proxyUrl = `https://127.0.0.1:${proxyPort}`;
    t = await startTestTobira({ config: { issuer: proxyUrl, trustedProxies: ['127.0.0.1'] } });
    const dir = path.join(t.dataDir, 'nginx');
    await mkdir(path.join(dir, 'tmp'), { recursive: true });
    await writeFile(path.join(dir, 'chain.pem'), t.tobira.ca.serverTls.chainPem);
    await writeFile(path.join(dir, 'server.key'), t.tobira.ca.serverTls.keyPem, { mode: 0o600 });
    await writeFile(path.join(dir, 'ca.pem'), t.tobira.ca.certificatePem);
    await writeFile(path.join(dir, 'nginx.conf'), nginxConfig(dir, proxyPort, t.server.port));
    nginx = spawn(NGINX, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    for (let i = 0; i < 50; i += 1) {
      const up = await new TestBrowser({ ca: t.tobira.ca.certificatePem })
        .request(`${proxyUrl}/healthz`)
        .catch(() => null);
      if (up?.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `nginx did not come up: ${await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`,
    );
  });

  after(async function () {
    nginx?.kill('SIGTERM');
    await t?.close();
  });

  it('signs in through the proxy with the forwarded certificate', async function () {
    await createTenant(t.tobira, 'p-70');
    const client = await createClient(t.tobira, {
      tenantId: 'p-70',
      redirectUri: 'https://rp.example.test/cb',
    });
    const user = await createUser(t.tobira, {
      tenantId: 'p-70',
      userId: 'p-70-proxy',
      password: 'Behind-Nginx-1',
    });
    const rp = await TestRp.discover(proxyUrl, client, t.tobira.ca.certificatePem);
    const browser = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
    try {
      const start = await rp.start();
      const page = await browser.follow(start.url, proxyUrl);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('p-70-proxy #1');
      const { action, csrf } = formOf(page.text);
      const back = await browser.follow(new URL(action, proxyUrl).href, proxyUrl, {
        form: { csrf, userId: 'p-70-proxy', password: 'Behind-Nginx-1' },
      });
      const { claims } = await rp.finish(back.location!, start);
      expect(claims.preferred_username).to.equal('p-70-proxy');
      expect(claims.iss).to.equal(proxyUrl);
    } finally {
      browser.close();
    }
  });

  it('shows the no-certificate page through the proxy when none is presented', async function () {
    const client = await createClient(t.tobira, {
      tenantId: 'p-70',
      redirectUri: 'https://rp.example.test/cb',
    });
    const rp = await TestRp.discover(proxyUrl, client, t.tobira.ca.certificatePem);
    const browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      const page = await browser.follow((await rp.start()).url, proxyUrl);
      expect(page.status).to.equal(403);
      expect(page.text).to.include('電子証明書が提示されませんでした');
    } finally {
      browser.close();
    }
  });

  it('does not let clients behind the proxy read /metrics, although nginx connects from loopback', async function () {
    const browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      const refused = await browser.request(`${proxyUrl}/metrics`);
      expect(refused.status).to.equal(403);
      expect(JSON.parse(refused.text)).to.include({ error: 'metrics_forbidden' });
    } finally {
      browser.close();
    }
  });
});
