/** Timing helpers shared by the bench's sections. */
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export interface Quantiles {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** NaN without samples. */
export const mean = (samples: readonly number[]): number =>
  samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : NaN;

/** NaN everywhere when there are no samples, so a table shows the gap instead of a made-up zero. */
export const quantiles = (samples: number[]): Quantiles => {
  if (!samples.length) return { n: 0, mean: NaN, p50: NaN, p95: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: samples.length,
    mean: mean(samples),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1)!,
  };
};

export const summary = (samples: number[]): string => {
  if (!samples.length) return 'no samples';
  const q = quantiles(samples);
  return `mean ${q.mean.toFixed(1)} ms, p50 ${q.p50.toFixed(1)} ms, p95 ${q.p95.toFixed(1)} ms, max ${q.max.toFixed(1)} ms (n=${q.n})`;
};

export const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** CPU seconds (user + system) this process has used since `since`. */
export const cpuSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
