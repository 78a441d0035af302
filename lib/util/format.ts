// Small numeric and text helpers shared by the library, the commands and the benchmarks: the median of
// a sample and an aligned text table. Platform-free.

/** The median of xs (the mean of the middle two for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface TableOptions {
  /**
   * Per column 'left' or 'right'; default 'auto': a column whose every cell reads as a number ('1,234',
   * '0.91', '-3', '2.5x', '97%', or '—' for a missing one) is right-aligned, header included; any other
   * column left-aligned.
   */
  align?: 'auto' | readonly ('left' | 'right')[];
  /** Draw a line of dashes under the header (default false). */
  rule?: boolean;
}

const NUMERIC = /^[-+]?[0-9.,]+(e[-+]?[0-9]+)?[x%]?$/;

/** An aligned fixed-width text table: columns two spaces apart, trailing spaces trimmed. */
export function formatTable(head: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const align = opts.align ?? 'auto';
  const numeric = (c: string): boolean => NUMERIC.test(c) || c === '—';
  const right = w.map((_, i) => (align === 'auto' ? rows.length > 0 && rows.every((r) => numeric(r[i] ?? '')) : align[i] === 'right'));
  const line = (r: readonly string[]): string => w.map((n, i) => (right[i] ? (r[i] ?? '').padStart(n) : (r[i] ?? '').padEnd(n))).join('  ').trimEnd();
  return [line(head), ...(opts.rule ? [line(w.map((n) => '-'.repeat(n)))] : []), ...rows.map(line)].join('\n');
}
