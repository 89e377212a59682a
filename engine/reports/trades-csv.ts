import type { ReportTrade } from './report-schema.js';

const COLUMNS = [
  'instrument', 'direction', 'size', 'entryTime', 'entryTimeIso', 'entryPrice', 'exitTime', 'exitTimeIso', 'exitPrice',
  'fees', 'pnl', 'returnFrac', 'durationMs', 'exitReason', 'entryOrderId', 'exitOrderId',
] as const;

/** trades.csv: one closed trade per row, with a header; times as epoch ms and ISO-8601 UTC; numbers unrounded. */
export function tradesCsv(trades: readonly ReportTrade[]): string {
  const lines: string[] = [COLUMNS.join(',')];
  for (const t of trades) {
    lines.push([
      cell(t.instrument), t.direction, num(t.size), num(t.entryTime), iso(t.entryTime), num(t.entryPrice), num(t.exitTime),
      iso(t.exitTime), num(t.exitPrice), num(t.fees), num(t.pnl), num(t.returnFrac), num(t.exitTime - t.entryTime),
      cell(t.exitReason), cell(t.entryOrderId), cell(t.exitOrderId),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Object.is(x, -0) ? 0 : x) : '';
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** RFC 4180 quoting when needed. */
function cell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
