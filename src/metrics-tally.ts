/**
 * Series counted on the request path in plain numbers and handed to the registry only when it is read.
 * prom-client hashes a series' label values into a string key on every `inc` and `observe`, a labelled
 * child's too (~1–3 µs per request for the request counter, its histogram and the kept-record counts):
 * a series here is looked up once, and counting is an addition.
 */
import { Counter, type Registry } from 'prom-client';

/** One counter series: `n` counted since the registry last read it. */
export interface TallySeries {
  n: number;
}

/**
 * A prom-client Counter whose series count in `TallySeries`, flushed into it by its `collect` (which
 * prom-client runs before every read: the exposition, a worker's snapshot).
 */
export function talliedCounter<L extends string>(config: {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}): (labels: Record<L, string>) => TallySeries {
  const series = new Map<string, { labels: Record<L, string>; tally: TallySeries }>();
  new Counter<L>({
    ...config,
    labelNames: [...config.labelNames],
    collect() {
      for (const { labels, tally } of series.values())
        if (tally.n > 0) {
          this.inc(labels, tally.n);
          tally.n = 0;
        }
    },
  });
  return (labels) => {
    const key = keyOf(config.labelNames, labels);
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { labels: { ...labels }, tally: { n: 0 } }));
    return entry.tally;
  };
}

/** The same series for the same label values (label names in a fixed order). */
const keyOf = <L extends string>(names: readonly L[], labels: Record<L, string>): string =>
  names.map((name) => labels[name]).join('\0');

/** One histogram series: its bucket counts (not cumulative), sum and count. */
export interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A histogram as prom-client's registry reads it (`get()`: the `_bucket`, `_sum` and `_count` samples
 * that prom-client's Histogram gives, labels in the same order), so the exposition and the workers'
 * aggregation see no difference; a series observes with one bucket search and three additions.
 */
export class TallyHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series: { labels: Record<L, string>; buckets: Float64Array; sum: number; count: number }[] = [];
  readonly #byKey = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    bounds: readonly number[],
    registry: Registry,
  ) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of these label values (the same one each time they are asked for). */
  series(labels: Record<L, string>): HistogramSeries {
    const key = keyOf(this.labelNames, labels);
    let series = this.#byKey.get(key);
    if (!series) this.#byKey.set(key, (series = this.#newSeries(labels)));
    return series;
  }

  #newSeries(labels: Record<L, string>): HistogramSeries {
    const bounds = this.#bounds;
    const entry = { labels: { ...labels }, buckets: new Float64Array(bounds.length), sum: 0, count: 0 };
    this.#series.push(entry);
    return {
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i += 1;
        if (i < bounds.length) entry.buckets[i]! += 1;
        entry.sum += value;
        entry.count += 1;
      },
    };
  }

  /** prom-client's metric interface (Registry: `get`, `reset`). */
  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, buckets, sum, count } of this.#series) {
      if (count === 0) continue;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += buckets[i]!;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` },
        { labels: { ...labels }, value: sum, metricName: `${this.name}_sum` },
        { labels: { ...labels }, value: count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const entry of this.#series) {
      entry.buckets.fill(0);
      entry.sum = 0;
      entry.count = 0;
    }
  }
}
