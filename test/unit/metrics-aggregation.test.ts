/**
 * /metrics under several workers (src/metrics.ts aggregateExposition): each worker's registry as JSON,
 * summed — counters and histograms add up, the shared-store gauges are one worker's value (not
 * multiplied by the workers), store_up is the lowest, and each worker's request count is shown apart.
 */
import { expect } from 'chai';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { aggregateExposition, Metrics } from '../../src/metrics.js';
import type { Store } from '../../src/store.js';
import { mailInput } from '../store/contract/context.js';

describe('metrics summed over workers', function () {
  let store: Store;
  before(async function () {
    store = await openSqliteStore({ path: ':memory:' });
    for (let i = 0; i < 2; i += 1) await store.enqueueMail(mailInput(), new Date());
  });
  after(async () => store.close());

  it('adds counters and histograms, keeps store gauges once, and counts each worker apart', async function () {
    const workers = [new Metrics({ store }), new Metrics({ store })];
    workers[0]!.request({ method: 'GET', route: 'readyz', status: 200, seconds: 0.002 });
    for (let i = 0; i < 3; i += 1)
      workers[1]!.request({ method: 'GET', route: 'readyz', status: 200, seconds: 0.03 });
    workers[1]!.loginAttempt('success');
    const { body, contentType } = await aggregateExposition(
      await Promise.all(workers.map(async (m, slot) => ({ slot, snapshot: await m.snapshot() }))),
    );
    expect(contentType).to.match(/^text\/plain/);
    const line = (prefix: string) => body.split('\n').find((l) => l.startsWith(prefix));
    expect(line('tobira_http_requests_total{method="GET",route="readyz",status="200"}')).to.match(/ 4$/);
    expect(line('tobira_http_request_duration_seconds_count{method="GET",route="readyz"}')).to.match(/ 4$/);
    expect(
      line('tobira_http_request_duration_seconds_bucket{le="0.005",method="GET",route="readyz"}'),
    ).to.match(/ 1$/);
    expect(line('tobira_login_attempts_total{result="success"}')).to.match(/ 1$/);
    expect(line('tobira_worker_http_requests_total{worker="0"}')).to.match(/ 1$/);
    expect(line('tobira_worker_http_requests_total{worker="1"}')).to.match(/ 3$/);
    expect(line('tobira_store_up{store="sqlite"}')).to.match(/ 1$/);
    expect(line('tobira_mail_outbox{status="pending"}'), 'the shared outbox, not twice').to.match(/ 2$/);
    // CPU time adds up over the workers; a start time would mean nothing summed, so it is left out.
    expect(line('tobira_process_cpu_seconds_total')).to.match(/ \d/);
    expect(body).to.not.include('tobira_process_start_time_seconds');
  });
});
