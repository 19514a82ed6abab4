/**
 * Operability over real HTTPS: Prometheus metrics (token-protected) that count real requests, login
 * attempts and audit events, and one access-log line per request with secrets masked.
 */
import { expect } from 'chai';
import { TestBrowser } from '../helpers/browser.js';
import { createClient, createTenant, createUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';
import { createLogger } from '../../src/log.js';

const TOKEN = 'scrape-token-for-tests-0001';
const REDIRECT = 'https://rp.example.test/callback';

/** The value of one sample line, e.g. `tobira_login_attempts_total{result="cert_missing"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and access log', function () {
  let t: TestTobira;
  let browser: TestBrowser;
  const lines: Record<string, unknown>[] = [];

  before(async function () {
    const log = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    t = await startTestTobira({ config: { metricsToken: TOKEN }, log });
    browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
  });
  after(async function () {
    browser?.close();
    await t?.close();
  });

  const scrape = (authorization?: string) =>
    browser.request(`${t.url}/metrics`, authorization ? { headers: { authorization } } : {});

  it('refuses a scrape without the token, with a JSON error', async function () {
    for (const auth of [undefined, 'Bearer wrong-token', TOKEN]) {
      const refused = await scrape(auth);
      expect(refused.status).to.equal(401);
      expect(refused.headers['www-authenticate']).to.match(/^Bearer/);
      expect(JSON.parse(refused.text)).to.include({ error: 'metrics_forbidden' });
    }
  });

  it('counts requests, login attempts and audit events as they happen', async function () {
    const before = (await scrape(`Bearer ${TOKEN}`)).text;
    const missing = 'tobira_login_attempts_total{result="cert_missing"}';
    const accountCreated = 'tobira_audit_events_total{action="account.created"}';

    await createTenant(t.tobira, 'p-50');
    const client = await createClient(t.tobira, { tenantId: 'p-50', redirectUri: REDIRECT });
    await t.tobira.enrollment.createAccount({
      tenantId: 'p-50',
      userId: 'p-50-usr001',
      terminals: [{ email: 'm@example.jp', type: 'pc' }],
      actor: 'test',
    });
    // A tenant whose certificates live 10 days: one shows in the 30-day window, not in the 7-day one.
    await createTenant(t.tobira, 'p-51', { certificates: { validityDays: 10 } });
    await createUser(t.tobira, { tenantId: 'p-51', userId: 'p-51-usr001', password: 'Short-Lived-10' });
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const page = await browser.follow((await rp.start()).url, t.url);
    expect(page.status, 'no certificate presented').to.equal(403);

    const after = await scrape(`Bearer ${TOKEN}`);
    expect(after.status).to.equal(200);
    expect(after.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    expect(sample(after.text, missing)).to.equal((sample(before, missing) ?? 0) + 1);
    expect(sample(after.text, accountCreated)).to.equal((sample(before, accountCreated) ?? 0) + 1);
    expect(
      sample(after.text, 'tobira_http_requests_total{method="GET",route="auth",status="303"}'),
    ).to.be.at.least(1);
    expect(
      sample(after.text, 'tobira_http_requests_total{method="GET",route="interaction",status="403"}'),
    ).to.equal(1);
    expect(after.text).to.match(
      /^tobira_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="auth"\} \d+/m,
    );
    expect(sample(after.text, 'tobira_store_up{store="sqlite"}')).to.equal(1);
    expect(sample(after.text, 'tobira_mail_outbox{status="failed"}')).to.equal(0);
    expect(sample(after.text, 'tobira_certificates_expiring{within_days="30"}')).to.equal(1);
    expect(sample(after.text, 'tobira_certificates_expiring{within_days="7"}')).to.equal(0);
    expect(after.text).to.include('tobira_process_resident_memory_bytes');
  });

  it('writes one access-log line per request, with the token in a link masked', async function () {
    const token = 'A'.repeat(43);
    const response = await browser.request(`${t.url}/download/${token}?lang=en`);
    expect(response.status).to.equal(404);
    const logged = lines.filter((l) => l.msg === 'request' && l.route === 'download');
    expect(logged).to.have.length(1);
    expect(logged[0]).to.include({
      method: 'GET',
      path: '/download/:token',
      status: 404,
      ip: '127.0.0.1',
    });
    expect(logged[0]!.ms).to.be.a('number');
    expect(JSON.stringify(lines)).to.not.include(token);
    const scrapes = lines.filter((l) => l.msg === 'request' && l.route === 'metrics');
    expect(scrapes.length, 'refused scrapes are logged').to.be.greaterThan(0);
    expect(
      scrapes.every((l) => l.status === 401),
      'successful scrapes and health checks are not',
    ).to.equal(true);
  });
});
