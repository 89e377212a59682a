/** Rendering helpers shared by commands: stdout for results, stderr for progress and warnings. */

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(s = ''): void {
  process.stdout.write(s + '\n');
}

export function warn(s: string): void {
  process.stderr.write(s + '\n');
}

type Cell = string | number | boolean | null | undefined;

/** A plain aligned text table; numbers right-aligned. */
export function renderTable(rows: readonly Record<string, Cell>[], columns?: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const text = (v: Cell) => (v === null || v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : String(v));
  const cells = rows.map((r) => cols.map((c) => text(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] == null));
  const fmtRow = (r: readonly string[]) =>
    r.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmtRow(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmtRow)].join('\n');
}

/** A two-column key/value table (metrics, summaries). */
export function renderKeyValue(entries: readonly [string, Cell][]): string {
  const w = Math.max(...entries.map(([k]) => k.length));
  const text = (v: Cell) => (v === null || v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : String(v));
  return entries.map(([k, v]) => `${k.padEnd(w)}  ${text(v)}`).join('\n');
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(2);
  if (a >= 1) return v.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  if (a < 1e-4) return v.toExponential(3);
  return v.toPrecision(6).replace(/0+$/, '').replace(/\.$/, '');
}
