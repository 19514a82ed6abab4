/** Tallied series (src/metrics-tally.ts) read exactly as prom-client's own Counter and Histogram would be. */
import { expect } from 'chai';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { TallyHistogram, talliedCounter } from '../../src/metrics-tally.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1];
const OBSERVED: [string, string, number][] = [
  ['GET', 'me', 0.0003],
  ['GET', 'me', 0.005],
  ['GET', 'me', 0.07],
  ['POST', 'token', 0.02],
  ['GET', 'me', 3],
];

describe('tallied metrics', function () {
  it('give the same exposition as prom-client’s Counter and Histogram, series asked for twice counted once', async function () {
    const theirs = new Registry();
    const counter = new Counter({
      name: 'c_total',
      help: 'c',
      labelNames: ['method', 'route'],
      registers: [theirs],
    });
    const histogram = new Histogram({
      name: 'h_seconds',
      help: 'h',
      labelNames: ['method', 'route'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const ours = new Registry();
    const tally = talliedCounter({
      name: 'c_total',
      help: 'c',
      labelNames: ['method', 'route'],
      registers: [ours],
    });
    const tallyHistogram = new TallyHistogram('h_seconds', 'h', ['method', 'route'], BUCKETS, ours);
    for (const [method, route, seconds] of OBSERVED) {
      counter.inc({ method, route });
      histogram.observe({ method, route }, seconds);
      tally({ method, route }).n += 1;
      tallyHistogram.series({ method, route }).observe(seconds);
    }
    expect(await ours.metrics()).to.equal(await theirs.metrics());
    // Read again after more counting: the flushed counts are not counted twice.
    counter.inc({ method: 'GET', route: 'me' });
    tally({ method: 'GET', route: 'me' }).n += 1;
    expect(await ours.metrics()).to.equal(await theirs.metrics());
    // The workers' aggregation (each worker's JSON summed) sees the same too.
    const summed = async (registry: Registry) =>
      AggregatorRegistry.aggregate([
        await registry.getMetricsAsJSON(),
        await registry.getMetricsAsJSON(),
      ]).metrics();
    expect(await summed(ours)).to.equal(await summed(theirs));
  });
});
