import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, isoUtc, ohlcViolations, sliceBarColumns, timeframeMs, UserError, type BarColumns, type Timeframe } from '../../engine/domain/index.js';
import { detectLayout, FIELDS, type CsvLayout } from './csv-format.js';
import { gridOffsetMs } from '../store/bar-grid.js';

/** Column of each price in a canonical row (timestamp, open, high, low, close, volume). */
const OHLC_COLUMN = { open: 1, high: 2, low: 3, close: 4 } as const;

/** How the file writes its timestamps. One file uses one unit; mixing is refused. */
export type TimestampUnit = 's' | 'ms' | 'us' | 'iso';

const UNIT_NAMES: Record<TimestampUnit, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', iso: 'ISO-8601 dates' };

export type CsvReadStats = {
  readonly layout: CsvLayout['kind'];
  readonly delimiter: string;
  readonly timestampUnit: TimestampUnit | undefined;
  /** Data rows seen (not counting the header and blank lines). */
  readonly rows: number;
  /** Rows handed to the batch callback. */
  readonly accepted: number;
  /** First `maxProblems` problem messages, in file order. */
  readonly problems: readonly string[];
  /** Rows with a problem (one message per row). */
  readonly problemCount: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
};

export type CsvReadOptions = {
  readonly timeframe: Timeframe;
  /** Stop handing batches to the callback after the first problem (the caller will refuse the file). */
  readonly stopAtFirstProblem?: boolean;
  readonly maxProblems?: number;
  readonly batchRows?: number;
  /** Bytes read per system call, which also bounds the line length; default 4 MiB. */
  readonly readBytes?: number;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
};

const READ_BYTES = 4 << 20;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO53 = 2 ** 53;

/**
 * Streams a CSV file of bars in fixed-size batches (the file is never held in memory as a whole).
 * Rows are validated one by one; a problem is reported as `row 812 of "btc.csv": high "41990.5" is below low "42001.0"`
 * where the row is the line number in the file (the header is row 1). Rows with problems never reach `onBatch`.
 * Fatal problems (unreadable, empty, binary, no usable header) throw a UserError.
 * The arrays handed to `onBatch` are reused for the next batch: copy what you keep (BarStore.upsert does).
 */
export function readCsvBars(file: string, opts: CsvReadOptions, onBatch: (bars: BarColumns) => void): CsvReadStats {
  const label = `"${path.basename(file)}"`;
  const tfMs = timeframeMs(opts.timeframe);
  const gridOffset = gridOffsetMs(opts.timeframe);
  const maxProblems = opts.maxProblems ?? 20;
  const batchRows = opts.batchRows ?? 1 << 18;

  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) {
      fs.closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    size = st.size;
  } catch (e) {
    throw new UserError(`cannot read ${label} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }

  const problems: string[] = [];
  let problemCount = 0;
  let rows = 0;
  let accepted = 0;
  let layout: CsvLayout | undefined;
  let unit: TimestampUnit | undefined;
  let lineNo = 0;
  let sawAnyLine = false;
  let prevT = -Infinity;
  let prevRow = 0;
  let first: number | undefined;
  let last: number | undefined;

  const batch = allocBarColumns(batchRows);
  let nb = 0;
  const flush = () => {
    if (nb === 0) return;
    // The batch's arrays are reused for the next batch: onBatch must copy what it keeps (the store does).
    if (!(opts.stopAtFirstProblem && problemCount > 0)) onBatch(nb === batchRows ? batch : sliceBarColumns(batch, 0, nb));
    nb = 0;
  };

  // Per-row scratch: parsed values of timestamp, o, h, l, c, v; and whether the timestamp was ISO.
  const vals = new Float64Array(6);
  let target: Int8Array = new Int8Array(0);
  let delim = 44;
  let ncols = 0;
  let tsIso = false;
  let rowError: string | undefined;

  // The hot loop indexes a plain Uint8Array; the Buffer view over the same memory is for text and search.
  const readBytes = opts.readBytes ?? READ_BYTES;
  const bytes = new Uint8Array(readBytes);
  const buf = Buffer.from(bytes.buffer);
  let filled = 0;
  let bytesRead = 0;

  const problem = (msg: string) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(`row ${lineNo} of ${label}: ${msg}`);
  };

  // The raw text of a bar field in the current line, for messages only.
  let lineS = 0;
  let lineE = 0;
  const raw = (field: number): string => {
    const cells = buf.toString('utf8', lineS, lineE).split(layout!.delimiter);
    return (cells[layout!.index[field]!] ?? '').trim();
  };

  // The slow path for a field the fast path could not read: quotes, spaces, exponents, long digits, ISO dates, text.
  const slowField = (fs0: number, fe: number, tgt: number): number => {
    let txt = buf.toString('utf8', fs0, fe).trim();
    if (txt.length >= 2 && (txt[0] === '"' || txt[0] === "'") && txt[txt.length - 1] === txt[0]) txt = txt.slice(1, -1).trim();
    const name = layout!.names[layout!.index[tgt]!] ?? FIELDS[tgt]!;
    if (txt === '') {
      rowError ??= `${name} is empty`;
      return NaN;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(txt)) {
      const v = Number(txt);
      if (Number.isFinite(v)) return v + 0; // -0 reads as 0
      rowError ??= `${name} "${txt}" is not a finite number`;
      return NaN;
    }
    if (tgt === 0) {
      const ms = parseIsoUtc(txt);
      if (ms !== undefined) {
        tsIso = true;
        return ms;
      }
      rowError ??= `${name} "${txt}" is not a timestamp (use epoch seconds, milliseconds, microseconds or ISO-8601)`;
      return NaN;
    }
    if (/^[+-]?(nan|inf|infinity)$/i.test(txt)) rowError ??= `${name} "${txt}" is not a finite number`;
    else rowError ??= `${name} "${txt}" is not a number`;
    return NaN;
  };

  const handleLine = (s: number, e: number) => {
    lineNo++;
    if (e > s && bytes[e - 1] === 13) e--;
    if (e === s) return;
    if (!layout) {
      let text = buf.toString('utf8', s, e);
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        s += 3;
      }
      if (text.trim() === '') return;
      sawAnyLine = true;
      layout = detectLayout(text, label);
      delim = layout.delimiter.charCodeAt(0);
      ncols = layout.columns;
      target = new Int8Array(ncols).fill(-1);
      layout.index.forEach((col, field) => (target[col] = field));
      if (layout.hasHeader) return;
    }
    rows++;
    rowError = undefined;
    tsIso = false;
    // Locals, not closure slots, in the per-byte loop.
    const b = bytes, d = delim, tg = target, nc = ncols, vv = vals;
    let p = s;
    let col = 0;
    for (;;) {
      const fs0 = p;
      const tgt = col < nc ? tg[col]! : -1;
      if (tgt >= 0) {
        let neg = false;
        let c = b[p]!;
        if (c === 45) { neg = true; p++; } else if (c === 43) p++;
        const digitsFrom = p;
        // Digits go into a small integer (9 at a time, int32 arithmetic), then into the float64 mantissa.
        let hi = 0, lo = 0, nlo = 0, dot = -1;
        while (p < e) {
          c = b[p]!;
          const dg = c - 48;
          if (dg >= 0 && dg <= 9) {
            lo = lo * 10 + dg;
            if (++nlo === 9) {
              hi = hi * 1e9 + lo;
              lo = 0;
              nlo = 0;
            }
          } else if (c === 46 && dot < 0) dot = p;
          else break;
          p++;
        }
        const mant = hi * POW10[nlo]! + lo;
        const digits = p - digitsFrom - (dot >= 0 ? 1 : 0);
        const frac = dot >= 0 ? p - dot - 1 : 0;
        if (p < e && b[p] !== d) {
          while (p < e && b[p] !== d) p++;
          vv[tgt] = slowField(fs0, p, tgt);
        } else if (digits === 0 || mant >= TWO53 || frac > 22) {
          vv[tgt] = slowField(fs0, p, tgt);
        } else {
          const v = frac > 0 ? mant / POW10[frac]! : mant;
          vv[tgt] = neg ? 0 - v : v; // "-0" reads as 0: the store keeps bits, and -0 would not survive export
        }
      } else {
        while (p < e && b[p] !== d) p++;
      }
      col++;
      if (p >= e) break;
      p++;
    }
    if (col !== ncols) {
      if (/^\s*$/.test(buf.toString('latin1', s, e))) {
        rows--; // a whitespace-only line is a blank line, not a row
        return;
      }
      problem(`expected ${ncols} columns, found ${col}`);
      return;
    }
    if (rowError !== undefined) {
      problem(rowError);
      return;
    }
    lineS = s;
    lineE = e;
    // Timestamp: one unit per file.
    const tv = vals[0]!;
    let ru: TimestampUnit;
    if (tsIso) ru = 'iso';
    else if (tv < 0) {
      problem(`timestamp "${raw(0)}" is negative`);
      return;
    } else if (tv < 1e11) ru = 's';
    else if (tv < 1e14) ru = 'ms';
    else if (tv < 1e17) ru = 'us';
    else {
      problem(`timestamp "${raw(0)}" is too large for seconds, milliseconds or microseconds`);
      return;
    }
    if (unit === undefined) unit = ru;
    else if (ru !== unit) {
      problem(`timestamp "${raw(0)}" is in ${UNIT_NAMES[ru]} but earlier rows are in ${UNIT_NAMES[unit]} (mixed timestamp units)`);
      return;
    }
    let t = ru === 's' ? tv * 1000 : ru === 'us' ? tv / 1000 : tv;
    // Decimal seconds (`1704067200.123`) land a hair off the millisecond in binary: snap them.
    if (ru === 's' && t !== Math.floor(t) && Math.abs(t - Math.round(t)) < 1e-3) t = Math.round(t);
    if (!Number.isSafeInteger(t)) {
      problem(`timestamp "${raw(0)}" is not a whole millisecond`);
      return;
    }
    const o = vals[1]!, h = vals[2]!, l = vals[3]!, c = vals[4]!, v = vals[5]!;
    for (let k = 1; k <= 4; k++) {
      if (!(vals[k]! > 0)) {
        problem(`${FIELDS[k]} "${raw(k)}" is not a positive price`);
        return;
      }
    }
    if (v < 0) {
      problem(`volume "${raw(5)}" is negative`);
      return;
    }
    const broken = ohlcViolations(o, h, l, c);
    if (broken.length !== 0) {
      const v = broken[0]!;
      return problem(`${v.field} "${raw(OHLC_COLUMN[v.field])}" is ${v.relation} ${v.other} "${raw(OHLC_COLUMN[v.other])}"`);
    }
    if (t === prevT) return problem(`timestamp "${raw(0)}" repeats row ${prevRow}`);
    if (t < prevT) return problem(`timestamp "${raw(0)}" (${isoUtc(t)}) is before row ${prevRow}'s (${isoUtc(prevT)}); rows must be in time order`);
    const slot = (t - gridOffset) / tfMs; // exact for whole multiples; cheaper than a float modulo
    if (slot !== Math.floor(slot)) return problem(`timestamp "${raw(0)}" (${isoUtc(t)}) is not on the ${opts.timeframe} grid`);
    prevT = t;
    prevRow = lineNo;
    first ??= t;
    last = t;
    accepted++;
    batch.openTime[nb] = t;
    batch.open[nb] = o;
    batch.high[nb] = h;
    batch.low[nb] = l;
    batch.close[nb] = c;
    batch.volume[nb] = v;
    if (++nb === batchRows) flush();
  };

  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, filled, buf.length - filled, null);
      } catch (e) {
        throw new UserError(`cannot read ${label} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      const nul = n > 0 ? buf.indexOf(0, filled) : -1;
      if (nul >= 0 && nul < filled + n) {
        throw new UserError(`${label} is not a CSV text file (binary data at byte ${bytesRead + (nul - filled)})`);
      }
      bytesRead += n;
      filled += n;
      const view = buf.subarray(0, filled);
      let pos = 0;
      for (;;) {
        const nl = view.indexOf(10, pos);
        if (nl < 0) break;
        handleLine(pos, nl);
        pos = nl + 1;
      }
      if (n === 0) {
        if (pos < filled) handleLine(pos, filled);
        break;
      }
      if (pos === 0 && filled === buf.length) {
        throw new UserError(`row ${lineNo + 1} of ${label}: a line longer than ${readBytes} bytes; this is not a bar CSV`);
      }
      buf.copy(buf, 0, pos, filled);
      filled -= pos;
      opts.onProgress?.(bytesRead, size);
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
  if (!sawAnyLine) throw new UserError(`${label} is empty`);
  if (rows === 0) throw new UserError(`${label} has a header but no data rows`);
  return {
    layout: layout!.kind,
    delimiter: layout!.delimiter,
    timestampUnit: unit,
    rows,
    accepted,
    problems,
    problemCount,
    first,
    last,
  };
}


const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

/** ISO-8601 date or date-time; no zone means UTC. Undefined when not a valid date. */
export function parseIsoUtc(s: string): number | undefined {
  const m = ISO_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59) return undefined;
  const msFrac = m[7] ? Number((m[7] + '00').slice(0, 3)) + Number('0.' + m[7].slice(3) || 0) : 0;
  let t = Date.UTC(y, mo - 1, d, hh, mm, ss) + msFrac;
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return undefined;
  const z = m[8];
  if (z && z.toUpperCase() !== 'Z' && z.toUpperCase() !== 'UTC') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}
