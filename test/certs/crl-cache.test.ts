/**
 * The kept CRL: /ca/crl.der is signed once and served as is, re-signed at once when a certificate is
 * revoked or superseded, and on its schedule; what it serves is what OpenSSL verifies.
 */
import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/clock.js';
import { CrlCache } from '../../src/services/crl-cache.js';
import type { Certificate } from '../../src/domain.js';
import { TestBrowser } from '../helpers/browser.js';
import { downloadPasswordOn, enrollThroughPages } from '../helpers/enroll.js';
import { createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const run = promisify(execFile);

describe('CRL cache', function () {
  let t: TestTobira;
  let dir: string;
  let browser: TestBrowser;
  let user: TestUser;

  before(async function () {
    t = await startTestTobira();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-crl-'));
    await createTenant(t.tobira, 'p-70');
    user = await createUser(t.tobira, { tenantId: 'p-70', userId: 'p-70-crl1', password: 'Crl-Password-1' });
    browser = new TestBrowser({ ca: t.tobira.ca.certificatePem });
  });
  after(async function () {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The served CRL, checked by openssl against the CA: its number and the serials it lists. */
  const fetchCrl = async () => {
    const response = await browser.request(`${t.url}/ca/crl.der`);
    expect(response.status).to.equal(200);
    const file = path.join(dir, 'crl.der');
    await writeFile(file, response.body);
    const caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, t.tobira.ca.certificatePem);
    const out = await run(
      'openssl',
      ['crl', '-inform', 'DER', '-in', file, '-noout', '-text', '-CAfile', caFile],
      { encoding: 'utf8' },
    );
    expect(out.stderr + out.stdout).to.include('verify OK');
    return {
      der: response.body,
      number: /CRL Number: \s*(\S+)/.exec(out.stdout)![1]!,
      text: out.stdout,
    };
  };

  it('serves the same signed CRL to every request until a revocation, which it lists at once', async function () {
    const first = await fetchCrl();
    const second = await fetchCrl();
    expect(second.der.equals(first.der), 'not re-signed per request').to.equal(true);

    await t.tobira.certificates.revoke(user.certificate.serial, 'keyCompromise', 'test');
    const afterRevoke = await fetchCrl();
    expect(afterRevoke.number).to.not.equal(first.number);
    expect(afterRevoke.text).to.include(user.certificate.serial.toUpperCase()).and.include('Key Compromise');
    expect((await fetchCrl()).der.equals(afterRevoke.der)).to.equal(true);
  });

  it('lists a superseded certificate as soon as its successor is issued', async function () {
    const other = await createUser(t.tobira, {
      tenantId: 'p-70',
      userId: 'p-70-crl2',
      password: 'Crl-Password-1',
    });
    const before = await fetchCrl();
    expect(before.text).to.not.include(other.certificate.serial.toUpperCase());
    await t.tobira.certificates.issueForTerminal({
      account: other.account,
      tenant: (await t.tobira.store.getTenant('p-70'))!,
      terminal: other.terminal,
      downloadPassword: 'Download-Password-1',
      downloadExpiresAt: new Date(Date.now() + 3600_000),
      actor: 'test',
    });
    const after = await fetchCrl();
    expect(after.number).to.not.equal(before.number);
    expect(after.text).to.include(other.certificate.serial.toUpperCase()).and.include('Superseded');
  });

  it('does not re-sign for a first certificate: a new user’s, a first enrollment’s', async function () {
    const before = await fetchCrl();
    const fresh = await createUser(t.tobira, {
      tenantId: 'p-70',
      userId: 'p-70-crl3',
      password: 'Crl-Password-1',
    });
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-70',
      userId: 'p-70-crl4',
      terminals: [{ email: 'p-70-crl4@example.jp', type: 'pc' }],
      actor: 'test',
    });
    const enrolling = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      expect(downloadPasswordOn(await enrollThroughPages(enrolling, t.url, created))).to.be.a('string');
    } finally {
      enrolling.close();
    }
    const [enrolled] = await t.tobira.store.listTerminals(created.account.id);
    expect(enrolled!.currentCertificateSerial, 'the enrollment issued').to.be.a('string');
    expect(fresh.terminal.currentCertificateSerial).to.equal(fresh.certificate.serial);
    expect((await fetchCrl()).der.equals(before.der), 'not re-signed').to.equal(true);
  });

  it('lists what a unit of work superseded (a re-issue by mailed link) as soon as it commits', async function () {
    const other = await createUser(t.tobira, {
      tenantId: 'p-70',
      userId: 'p-70-crl5',
      password: 'Crl-Password-1',
    });
    const before = await fetchCrl();
    const { delivery } = t.tobira.enrollment;
    const tenant = (await t.tobira.store.getTenant('p-70'))!;
    const prepared = await delivery.prepare(
      other.account,
      tenant,
      other.terminal,
      'Download-Password-1',
      'ja',
    );
    const done = await t.tobira.store.commitWork(delivery.writes([prepared]), t.tobira.clock.now());
    expect(done).to.deep.equal({ superseded: [other.certificate.serial] });
    await delivery.committed(other.account, [prepared], 'test', done as Exclude<typeof done, false>);
    const after = await fetchCrl();
    expect(after.number).to.not.equal(before.number);
    expect(after.text).to.include(other.certificate.serial.toUpperCase()).and.include('Superseded');
  });
});

describe('CrlCache schedule', function () {
  const revoked: Certificate[] = [];
  const store = { listRevokedCertificates: async () => revoked };
  let signings = 0;
  const sign = async () => {
    signings += 1;
    return { der: Buffer.from([signings]), pem: String(signings) };
  };

  it('re-signs on its timer, and on request once the timer has fallen two intervals behind', async function () {
    const clock = new ManualClock();
    const timed = new CrlCache({ store, sign, clock, resignEveryMs: 20 });
    const first = await timed.get();
    for (let i = 0; i < 200 && (await timed.get()) === first; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await timed.get()).crlNumber > first.crlNumber, 'the timer re-signed').to.equal(true);
    await timed.stop();

    const stalled = new CrlCache({ store, sign, clock, resignEveryMs: 3600_000 });
    const kept = await stalled.get();
    clock.advance(3600_000);
    expect(await stalled.get()).to.equal(kept);
    clock.advance(3600_000);
    const fresh = await stalled.get();
    expect(fresh.crlNumber > kept.crlNumber).to.equal(true);
    expect(fresh.thisUpdate.getTime()).to.equal(clock.now().getTime());
    await stalled.stop();
  });

  it('re-signs on its timer outside the context of the request that first asked', async function () {
    const requests = new AsyncLocalStorage<string>();
    const contexts: (string | undefined)[] = [];
    const noting = async () => {
      contexts.push(requests.getStore());
      return sign();
    };
    const cache = new CrlCache({ store, sign: noting, clock: new ManualClock(), resignEveryMs: 10 });
    await requests.run('first request', () => cache.get());
    for (let i = 0; i < 200 && contexts.length < 2; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await cache.stop();
    expect(contexts[0]).to.equal('first request');
    expect(contexts.length, 'the timer re-signed').to.be.greaterThan(1);
    expect(contexts.slice(1), 'no re-sign ran as the first request').to.deep.equal(
      contexts.slice(1).map(() => undefined),
    );
  });

  it('does not sign before anyone asks, and asks again after a failed signing', async function () {
    let down = true;
    const flaky = {
      listRevokedCertificates: async () => {
        if (down) throw new Error('store down');
        return revoked;
      },
    };
    const cache = new CrlCache({ store: flaky, sign, clock: new ManualClock() });
    const before = signings;
    await cache.revoked();
    expect(signings).to.equal(before);
    const error = await cache.get().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    down = false;
    expect((await cache.get()).der).to.have.length(1);
    await cache.stop();
  });

  it('signs nothing on a revocation; the next request gets one signed after it, shared by all revocations before it', async function () {
    const listed: string[] = [];
    let reads = 0;
    const changing = {
      listRevokedCertificates: async () => {
        reads += 1;
        return listed.map((serial) => ({ serial }) as Certificate);
      },
    };
    const listing = async (input: { revoked: { serial: string }[] }) => ({
      der: Buffer.from(input.revoked.map((r) => r.serial).join(',')),
      pem: '',
    });
    const cache = new CrlCache({ store: changing, sign: listing, clock: new ManualClock() });
    const first = await cache.get();
    expect(reads).to.equal(1);
    for (const serial of ['a1', 'b2', 'c3']) {
      listed.push(serial);
      await cache.revoked();
    }
    expect(reads, 'no signing on revocation').to.equal(1);
    const [x, y] = await Promise.all([cache.get(), cache.get()]);
    expect(x, 'one signing for both requests').to.equal(y);
    expect(x.der.toString(), 'the first request after them lists them all').to.equal('a1,b2,c3');
    expect(x.crlNumber > first.crlNumber).to.equal(true);
    expect(reads, 'one signing for three revocations').to.equal(2);
    expect(await cache.get(), 'then kept').to.equal(x);
    await cache.stop();
  });

  it('never hands a revocation a signing that may have read the store before it', async function () {
    const listed: string[] = [];
    const gates: (() => void)[] = [];
    let reads = 0;
    const changing = {
      listRevokedCertificates: async () => {
        reads += 1;
        return listed.map((serial) => ({ serial }) as Certificate);
      },
    };
    const gated = async (input: { revoked: { serial: string }[] }) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return { der: Buffer.from(input.revoked.map((r) => r.serial).join(',')), pem: '' };
    };
    const cache = new CrlCache({ store: changing, sign: gated, clock: new ManualClock() });
    /** Until a signing waits for its signature (it has read the store). */
    const opened = async () => {
      for (let i = 0; i < 50 && !gates.length; i += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(gates, 'a signing waits').to.have.length(1);
    };
    const first = cache.get();
    await opened(); // it has read the store and waits for its signature
    expect(reads).to.equal(1);
    listed.push('a1');
    await cache.revoked();
    const afterA = cache.get();
    listed.push('b2');
    await cache.revoked();
    const afterB = cache.get();
    expect(afterA, 'both wait for the one queued behind').to.equal(afterB);
    expect(reads, 'which reads once the one under way ends').to.equal(1);
    gates.shift()!();
    expect((await first).der.toString()).to.equal('');
    await opened();
    expect(reads).to.equal(2);
    listed.push('c3');
    await cache.revoked(); // while the second has read the store
    const afterC = cache.get();
    gates.shift()!();
    expect((await afterB).der.toString()).to.equal('a1,b2');
    await opened();
    gates.shift()!();
    expect((await afterC).der.toString()).to.equal('a1,b2,c3');
    expect(gates, 'no other signing').to.have.length(0);
    await cache.stop();
  });

  it("answers a revocation only once the other workers marked theirs stale; a peer's news marks without telling anyone", async function () {
    const told: (() => void)[] = [];
    const peers = { revoked: () => new Promise<void>((resolve) => told.push(resolve)) };
    let signed = 0;
    const counting = async () => {
      signed += 1;
      return { der: Buffer.from([signed]), pem: '' };
    };
    const cache = new CrlCache({ store, sign: counting, clock: new ManualClock(), peers });
    const first = await cache.get();
    let answered = false;
    const revocation = cache.revoked().then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(told, 'the other workers were told').to.have.length(1);
    expect(answered, 'not before they marked theirs').to.equal(false);
    expect(signed, 'nothing signed yet').to.equal(1);
    expect((await cache.get()).crlNumber > first.crlNumber, 'this worker re-signed when asked').to.equal(
      true,
    );
    told[0]!();
    await revocation;
    const second = await cache.get();
    await cache.refresh();
    expect(told, 'refresh tells nobody').to.have.length(1);
    expect(signed, 'refresh signs nothing').to.equal(2);
    expect((await cache.get()).crlNumber > second.crlNumber, 'the next request re-signs').to.equal(true);
    await cache.stop();
  });
});
