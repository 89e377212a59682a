import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../engine/domain/index.js';
import type { BarStore, SeriesKey, TimeRange } from '../../engine/ports/index.js';

export const CSV_HEADER = 'timestamp,open,high,low,close,volume';

export type ExportReport = { readonly file: string; readonly rows: number; readonly first: number | undefined; readonly last: number | undefined };

/**
 * Writes a series as CSV: header `timestamp,open,high,low,close,volume`, timestamp in UTC ms, values exactly as
 * stored (JavaScript's shortest round-trip formatting: parsing the text gives back the same float64).
 * Written to a temporary file and renamed, so a failed export never leaves half a file.
 */
export function exportCsv(store: Pick<BarStore, 'read'>, key: SeriesKey, out: string, range: TimeRange = {}): ExportReport {
  const bars = store.read(key, range);
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w');
  } catch (e) {
    throw new UserError(`cannot write "${out}" (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    fs.writeSync(fd, CSV_HEADER + '\n');
    const { openTime: t, open: o, high: h, low: l, close: c, volume: v } = bars;
    const STEP = 16384;
    for (let i = 0; i < bars.length; i += STEP) {
      const end = Math.min(bars.length, i + STEP);
      let s = '';
      for (let k = i; k < end; k++) s += `${t[k]},${o[k]},${h[k]},${l[k]},${c[k]},${v[k]}\n`;
      fs.writeSync(fd, s);
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, out);
  } catch (e) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(tmp, { force: true });
    throw new UserError(`cannot write "${out}" (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return { file: out, rows: bars.length, first: bars.length ? bars.openTime[0] : undefined, last: bars.length ? bars.openTime[bars.length - 1] : undefined };
}
