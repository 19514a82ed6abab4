/** Readings from Tobira's /metrics exposition text (Prometheus text format). */
const LINE = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    found.push({ name, labels, value: Number(m[3]) });
  }
  return found;
}

/** A metric's value summed over its label sets (so per-worker series add up); null when absent. */
export function sample(text: string, name: string): number | null {
  const found = samples(text, name);
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : null;
}

export interface StoreCalls {
  total: number;
  reads: number | null;
  writes: number | null;
}

/**
 * `tobira_store_calls_total`, split into reads and writes by whichever label carries the values
 * `read` / `write`; null when the server does not expose the metric.
 */
export function storeCalls(text: string): StoreCalls | null {
  const found = samples(text, 'tobira_store_calls_total');
  if (!found.length) return null;
  const kind = (s: Sample) => Object.values(s.labels).find((v) => v === 'read' || v === 'write');
  const split = found.some((s) => kind(s) !== undefined);
  const of = (k: string) => found.filter((s) => kind(s) === k).reduce((sum, s) => sum + s.value, 0);
  return {
    total: found.reduce((sum, s) => sum + s.value, 0),
    reads: split ? of('read') : null,
    writes: split ? of('write') : null,
  };
}

/** From the server's request histogram: requests of each route per login, and their mean time. */
export function timeByRoute(before: string, after: string, logins: number): string[] {
  const series = (text: string, suffix: string) => {
    const found = new Map<string, number>();
    for (const s of samples(text, `tobira_http_request_duration_seconds_${suffix}`)) {
      const key = `${s.labels.method} ${s.labels.route}`;
      found.set(key, (found.get(key) ?? 0) + s.value);
    }
    return found;
  };
  const [sum0, sum1, n0, n1] = [
    series(before, 'sum'),
    series(after, 'sum'),
    series(before, 'count'),
    series(after, 'count'),
  ];
  return [...n1.entries()]
    .map(([route, n]) => ({
      route,
      n: n - (n0.get(route) ?? 0),
      sum: (sum1.get(route) ?? 0) - (sum0.get(route) ?? 0),
    }))
    .filter((r) => r.n > 0 && !r.route.endsWith(' metrics'))
    .sort((a, b) => b.sum - a.sum)
    .map((r) => `${r.route} ${(r.n / logins).toFixed(1)} × ${((r.sum / r.n) * 1000).toFixed(1)} ms`);
}
