import type { ReportTrade } from './report-schema.js';

const COLUMNS = [
  'instrument', 'direction', 'size', 'entryTime', 'entryTimeIso', 'entryPrice', 'exitTime', 'exitTimeIso', 'exitPrice',
  'fees', 'pnl', 'returnFrac', 'durationMs', 'exitReason', 'entryOrderId', 'exitOrderId',
] as const;

/** trades.csv: one closed trade per row, with a header; times as epoch ms and ISO-8601 UTC; numbers unrounded. */
export function tradesCsv(trades: readonly ReportTrade[]): string {
  let out = COLUMNS.join(',') + '\n';
  for (const t of trades) {
    out += `${cell(t.instrument)},${t.direction},${num(t.size)},${num(t.entryTime)},${iso(t.entryTime)},${num(t.entryPrice)},${num(t.exitTime)},${
      iso(t.exitTime)},${num(t.exitPrice)},${num(t.fees)},${num(t.pnl)},${num(t.returnFrac)},${num(t.exitTime - t.entryTime)},${
      cell(t.exitReason)},${cell(t.entryOrderId)},${cell(t.exitOrderId)}\n`;
  }
  return out;
}

function num(x: number): string {
  // `${-0}` is "0" already.
  return Number.isFinite(x) ? `${x}` : '';
}

const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let cachedDay = NaN;
let cachedDate = '';

/** ISO-8601 UTC with milliseconds, as Date#toISOString, formatting each calendar day's date once (trades cluster by day). */
function iso(ms: number): string {
  if (!Number.isFinite(ms) || !Number.isInteger(ms) || Math.abs(ms) > 8.64e15) return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, -13); // "YYYY-MM-DDT"
  }
  let r = ms - day * DAY_MS;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const sec = Math.floor(r / 1000);
  const milli = r - sec * 1000;
  return `${cachedDate}${TWO[h]}:${TWO[m]}:${TWO[sec]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 quoting when needed. */
function cell(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
