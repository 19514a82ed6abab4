/** Markdown pieces for the results file: numbers as text (a gap as —), tables, verdicts. */
export const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
export const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '—');
export const met = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'not met');

export function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
