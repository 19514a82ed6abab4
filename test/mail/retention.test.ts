/** The outbox's retention: settled mail older than `mailRetentionDays` is purged with the other history. */
import { expect } from 'chai';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { ManualClock } from '../../src/clock.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { newId } from '../../src/random.js';
import { RetentionJob } from '../../src/services/retention.js';
import type { Store } from '../../src/store.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-24T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('mail retention', function () {
  let store: Store;
  beforeEach(async () => (store = await openSqliteStore({ path: ':memory:' })));
  afterEach(async () => store.close());

  /** A mail created `days` ago, then sent, failed for good, or left pending. */
  async function mail(days: number, outcome: 'sent' | 'failed' | 'pending'): Promise<string> {
    const id = newId();
    const created = daysAgo(days);
    await store.enqueueMail(
      { id, to: `${outcome}@example.jp`, subject: 's', text: 't', html: null, template: 'terminal_added' },
      created,
    );
    if (outcome === 'pending') return id;
    const [claimed] = await store.claimMail('w', created, 60_000, 1);
    expect(claimed!.id).to.equal(id);
    if (outcome === 'sent') await store.markMailSent(id, 'w', created);
    else await store.markMailFailed(id, 'w', '550', null, created);
    return id;
  }

  it('purges settled mail past the configured days, keeping recent and unsettled mail', async function () {
    await mail(31, 'sent');
    await mail(40, 'failed');
    const kept = [await mail(29, 'sent'), await mail(29, 'failed'), await mail(45, 'pending')];
    const job = new RetentionJob({
      store,
      clock: new ManualClock(NOW),
      log: createLogger('silent'),
      mailRetentionDays: 30,
    });
    expect(await job.runOnce()).to.include({ mail: 2 });
    expect((await store.listMail({})).items.map((m) => m.id)).to.have.members(kept);
    expect(await job.runOnce()).to.include({ mail: 0 });
  });

  it('reads TOBIRA_MAIL_RETENTION_DAYS, 30 days unless set, and refuses less than a day', function () {
    expect(loadConfig({}).mailRetentionDays).to.equal(30);
    expect(loadConfig({ TOBIRA_MAIL_RETENTION_DAYS: '7' }).mailRetentionDays).to.equal(7);
    expect(() => loadConfig({ TOBIRA_MAIL_RETENTION_DAYS: '0' })).to.throw(
      ConfigError,
      /TOBIRA_MAIL_RETENTION_DAYS \(mailRetentionDays\) = "0"/,
    );
  });
});
