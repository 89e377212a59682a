import fs from 'node:fs';
import path from 'node:path';
import { UserError, type Timeframe } from '../../engine/domain/index.js';
import { detectLayout, parseIsoUtc } from '../csv/index.js';
import type { CheckInput, Unreadable } from './check-bars.js';

/** Files above this are checked after `data import` instead (the store check streams from SQLite). */
const MAX_CHECK_FILE_BYTES = 1 << 30;

/**
 * Reads a bar CSV for `data check` without rejecting anything the checks should see: unsorted rows,
 * duplicates, off-grid times and OHLC violations all come through, with their line numbers. Only
 * lines that are not bars at all (wrong column count, text or NaN in a number) are set aside as
 * unreadable. Layout and delimiter detection are the importer's (header names, Binance dumps).
 */
export function readCsvForCheck(file: string, timeframe: Timeframe): CheckInput {
  const label = `"${path.basename(file)}"`;
  let size: number;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    throw new UserError(`cannot read ${label} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (size > MAX_CHECK_FILE_BYTES) {
    throw new UserError(`${label} is ${(size / 2 ** 30).toFixed(1)} GiB; import it (data import --skip-invalid) and check the stored series instead`);
  }
  const buf = fs.readFileSync(file);
  if (buf.includes(0)) throw new UserError(`${label} is not a text file (it contains NUL bytes)`);
  const lines = buf.toString('utf8').split(/\r?\n/);
  const firstIdx = lines.findIndex((l) => l.trim() !== '');
  if (firstIdx < 0) throw new UserError(`${label} is empty`);
  const layout = detectLayout(lines[firstIdx]!.replace(/^\uFEFF/, ''), label);
  const start = layout.hasHeader ? firstIdx + 1 : firstIdx;

  const cap = lines.length - start;
  const cols = {
    openTime: new Float64Array(cap), open: new Float64Array(cap), high: new Float64Array(cap),
    low: new Float64Array(cap), close: new Float64Array(cap), volume: new Float64Array(cap), row: new Int32Array(cap),
  };
  const unreadable: Unreadable[] = [];
  const [it, io, ih, il, ic, iv] = layout.index;
  let n = 0;
  for (let li = start; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '') continue;
    const row = li + 1;
    const cells = line.split(layout.delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
    if (cells.length !== layout.columns) {
      unreadable.push({ row, reason: `${cells.length} columns, expected ${layout.columns}` });
      continue;
    }
    const t = parseTimestamp(cells[it]!);
    if (t === undefined) {
      unreadable.push({ row, reason: `timestamp "${cells[it]}" is not epoch s/ms/µs or an ISO-8601 date` });
      continue;
    }
    const fields = [['open', io], ['high', ih], ['low', il], ['close', ic], ['volume', iv]] as const;
    const vals: number[] = [];
    let bad: string | undefined;
    for (const [name, idx] of fields) {
      const s = cells[idx]!;
      const x = s === '' ? NaN : Number(s);
      if (!Number.isFinite(x)) {
        bad = `${name} "${s}" is not a finite number`;
        break;
      }
      vals.push(x);
    }
    if (bad) {
      unreadable.push({ row, reason: bad });
      continue;
    }
    cols.openTime[n] = t;
    cols.open[n] = vals[0]!;
    cols.high[n] = vals[1]!;
    cols.low[n] = vals[2]!;
    cols.close[n] = vals[3]!;
    cols.volume[n] = vals[4]!;
    cols.row[n] = row;
    n++;
  }
  return {
    timeframe,
    openTime: cols.openTime.subarray(0, n),
    open: cols.open.subarray(0, n),
    high: cols.high.subarray(0, n),
    low: cols.low.subarray(0, n),
    close: cols.close.subarray(0, n),
    volume: cols.volume.subarray(0, n),
    row: cols.row.subarray(0, n),
    unreadable,
  };
}

/** Epoch digits by magnitude (≤ 11 digits seconds, ≤ 14 ms, ≤ 17 µs) or an ISO-8601 date (UTC unless zoned). */
function parseTimestamp(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const digits = s.split('.')[0]!.length;
    const x = Number(s);
    if (digits <= 11) return Math.round(x * 1000);
    if (digits <= 14) return Math.round(x);
    if (digits <= 17) return Math.round(x / 1000);
    return undefined;
  }
  return parseIsoUtc(s);
}
