/** How many libuv threads (each keeping argon2id's 19 MiB warm) a serving process gets (src/cluster/worker-env.ts). */
import { expect } from 'chai';
import { threadPoolSize } from '../../src/cluster/worker-env.js';

describe('thread pool size per serving process', function () {
  it('is the worker’s share of the cores', function () {
    expect(threadPoolSize(6, 2)).to.equal(3);
    expect(threadPoolSize(3, 1)).to.equal(3);
  });

  it('never falls below 2, so other pool work leaves a thread for a verify', function () {
    expect(threadPoolSize(2, 2)).to.equal(2);
    expect(threadPoolSize(8, 8)).to.equal(2);
    expect(threadPoolSize(1, 1)).to.equal(2);
    expect(threadPoolSize(2, 8)).to.equal(2);
  });

  it('never rises above libuv’s default of 4', function () {
    expect(threadPoolSize(32, 1)).to.equal(4);
    expect(threadPoolSize(32, 4)).to.equal(4);
  });
});
