import type { Report } from './report-schema.js';
import { metricRows } from './metric-rows.js';

/** The terminal summary of one run: header lines, then the metrics as an aligned two-column table. */
export function renderSummary(r: Report, opts: { readonly path?: string } = {}): string {
  const lines: string[] = [];
  if (r.synthetic) lines.push('*** SYNTHETIC DATA — these figures are not from market prices ***');
  if (r.partial) lines.push(`*** PARTIAL RESULTS — the run stopped early at ${new Date(r.partial.at).toISOString()}: ${r.partial.reason} ***`);
  const params = Object.entries(r.strategy.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const head: [string, string][] = [
    ['Run', r.runId],
    ['Strategy', `${r.strategy.ref}${params ? `  ${params}` : ''}`],
    ['Data', r.data.map((d) => `${d.instrument} ${d.timeframe} (${d.count} bars${d.synthetic ? ', synthetic' : ''})`).join('; ')],
  ];
  if (opts.path) head.push(['Report', opts.path]);
  const rows = [...head, ...metricRows(r.metrics)];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) lines.push(`${k.padEnd(w)}  ${v}`);
  return lines.join('\n');
}
