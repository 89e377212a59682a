import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { checkBars, judge, readCsvForCheck, type CheckInput, type CheckReport } from '../../data/check/index.js';
import { UserError } from '../../engine/domain/index.js';
import { SHARED, rm, tempDir } from '../helpers/cli.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

type Row = { t: number; o: number; h: number; l: number; c: number; v: number };

/** A clean 1h series: small deterministic moves (|return| <= 0.5%), consistent OHLC, positive volume. */
function cleanRows(n: number): Row[] {
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const rows: Row[] = [];
  let prev = 100;
  for (let i = 0; i < n; i++) {
    const o = prev;
    const c = o * (1 + (rnd() - 0.5) * 0.01);
    rows.push({ t: T0 + i * H, o, h: Math.max(o, c) * 1.001, l: Math.min(o, c) * 0.999, c, v: 1 + rnd() });
    prev = c;
  }
  return rows;
}

function input(rows: readonly Row[], withRows = false): CheckInput {
  return {
    timeframe: '1h',
    openTime: rows.map((r) => r.t),
    open: rows.map((r) => r.o),
    high: rows.map((r) => r.h),
    low: rows.map((r) => r.l),
    close: rows.map((r) => r.c),
    volume: rows.map((r) => r.v),
    ...(withRows ? { row: rows.map((_, i) => i + 2) } : {}),
  };
}

const ZERO = { unreadable: 0, gaps: 0, duplicates: 0, offGrid: 0, outOfOrder: 0, ohlc: 0, nonPositive: 0, negativeVolume: 0, placeholders: 0, outliers: 0 };
const counts = (r: CheckReport) => r.counts;

describe('data check on synthetic series', () => {
  it('finds nothing in a clean series', () => {
    const r = checkBars(input(cleanRows(300)));
    expect(counts(r)).toEqual(ZERO);
    expect(r).toMatchObject({ bars: 300, expectedBars: 300, first: T0, last: T0 + 299 * H, zeroVolumeBars: 0, runs: { gaps: 0, placeholders: 0 } });
    expect(judge(r, {})).toEqual({ problems: 0, warnings: 0, problemRatio: 0, failed: false, reason: '0 problem bars (0.000% of 300) within the threshold 0' });
  });

  it('reports gaps on the grid as ranges with their missing counts', () => {
    const rows = cleanRows(100).filter((_, i) => ![10, 11, 12, 30].includes(i));
    const r = checkBars(input(rows));
    expect(counts(r)).toEqual({ ...ZERO, gaps: 4 });
    expect(r.runs.gaps).toBe(2);
    expect(r.gaps).toEqual([
      { from: T0 + 10 * H, to: T0 + 12 * H, missing: 3 },
      { from: T0 + 30 * H, to: T0 + 30 * H, missing: 1 },
    ]);
    expect(r.expectedBars).toBe(100);
  });

  it('counts duplicate timestamps as extra rows and says whether the copies are identical', () => {
    const base = cleanRows(50);
    const rows = [...base.slice(0, 6), base[5]!, base[5]!, ...base.slice(6, 9), { ...base[8]!, c: base[8]!.c * 1.0001, h: base[8]!.h * 1.0001 }, ...base.slice(9)];
    const r = checkBars(input(rows, true));
    expect(counts(r)).toEqual({ ...ZERO, duplicates: 3 });
    expect(r.duplicates).toEqual([
      { time: T0 + 5 * H, count: 3, identical: true, rows: [7, 8, 9] },
      { time: T0 + 8 * H, count: 2, identical: false, rows: [12, 13] },
    ]);
  });

  it('reports off-grid timestamps, and the grid slot they leave empty as a gap', () => {
    const rows = cleanRows(50);
    rows[20] = { ...rows[20]!, t: rows[20]!.t + 1 };
    rows.splice(31, 0, { ...rows[30]!, t: rows[30]!.t + 30 * 60_000 });
    const r = checkBars(input(rows, true));
    expect(counts(r)).toEqual({ ...ZERO, offGrid: 2, gaps: 1 });
    expect(r.offGrid).toEqual([
      { time: T0 + 20 * H + 1, row: 22 },
      { time: T0 + 30 * H + 30 * 60_000, row: 33 },
    ]);
    expect(r.gaps).toEqual([{ from: T0 + 20 * H, to: T0 + 20 * H, missing: 1 }]);
  });

  it('reports rows out of time order without calling them gaps', () => {
    const rows = cleanRows(40);
    [rows[3], rows[4]] = [rows[4]!, rows[3]!];
    [rows[20], rows[25]] = [rows[25]!, rows[20]!];
    const r = checkBars(input(rows, true));
    // Row 5 (bar 3) after bar 4; bar 20 after 25; then bar 21 after bar 20 is in order again, bar 20 → 25 not.
    expect(r.outOfOrder.map((x) => [x.row, (x.time - T0) / H, (x.previous - T0) / H])).toEqual([
      [6, 3, 4],
      [23, 21, 25],
      [27, 20, 24],
    ]);
    expect(counts(r)).toEqual({ ...ZERO, outOfOrder: 3 });
  });

  it('reports OHLC inconsistencies per bar with every broken rule', () => {
    const rows = cleanRows(30);
    rows[2] = { ...rows[2]!, h: 90, l: 95, o: 92, c: 93 }; // high below low, open and close; low above open and close
    rows[5] = { ...rows[5]!, o: 100, c: 101, h: 100.5, l: 99 }; // high below close
    rows[9] = { ...rows[9]!, o: 100, c: 101, h: 102, l: 100.5 }; // low above open
    const r = checkBars(input(rows, true));
    expect(counts(r)).toEqual({ ...ZERO, ohlc: 3 });
    expect(r.ohlc).toEqual([
      { time: T0 + 2 * H, row: 4, problems: ['high 90 is below low 95', 'high 90 is below open 92', 'high 90 is below close 93', 'low 95 is above open 92', 'low 95 is above close 93'] },
      { time: T0 + 5 * H, row: 7, problems: ['high 100.5 is below close 101'] },
      { time: T0 + 9 * H, row: 11, problems: ['low 100.5 is above open 100'] },
    ]);
  });

  it('reports non-positive prices and negative volume', () => {
    const rows = cleanRows(30);
    rows[4] = { ...rows[4]!, l: 0 };
    rows[7] = { ...rows[7]!, o: -1, l: -2 };
    rows[12] = { ...rows[12]!, v: -0.5 };
    const r = checkBars(input(rows));
    expect(counts(r)).toEqual({ ...ZERO, nonPositive: 2, negativeVolume: 1 });
    expect(r.nonPositive).toEqual([
      { time: T0 + 4 * H, fields: ['low 0'] },
      { time: T0 + 7 * H, fields: ['open -1', 'low -2'] },
    ]);
    expect(r.negativeVolume).toEqual([{ time: T0 + 12 * H, volume: -0.5 }]);
  });

  it('reports zero-volume placeholder runs (flat at the previous close) with start, end and length', () => {
    const rows = cleanRows(80);
    const flat = (i: number) => {
      const pc = rows[i - 1]!.c;
      rows[i] = { t: rows[i]!.t, o: pc, h: pc, l: pc, c: pc, v: 0 };
    };
    [20, 21, 22, 40, 60, 61].forEach(flat);
    rows[70] = { ...rows[70]!, v: 0 }; // zero volume but a real move: not a placeholder
    const pc = rows[49]!.c;
    rows[50] = { t: rows[50]!.t, o: pc, h: pc, l: pc, c: pc, v: 3 }; // flat but traded: not a placeholder
    const r = checkBars(input(rows));
    expect(counts(r)).toEqual({ ...ZERO, placeholders: 6 });
    expect(r.runs.placeholders).toBe(3);
    expect(r.placeholders).toEqual([
      { start: T0 + 20 * H, end: T0 + 22 * H, length: 3 },
      { start: T0 + 40 * H, end: T0 + 40 * H, length: 1 },
      { start: T0 + 60 * H, end: T0 + 61 * H, length: 2 },
    ]);
    expect(r.zeroVolumeBars).toBe(7);
    expect(judge(r, {}).failed).toBe(false);
    expect(judge(r, { strict: true })).toMatchObject({ problems: 6, failed: true });
  });

  it('flags a jump far beyond the rolling robust sigma as an outlier, k configurable', () => {
    const rows = cleanRows(300);
    rows[150] = { ...rows[150]!, o: rows[150]!.o * 10, h: rows[150]!.h * 10, l: rows[150]!.l * 10, c: rows[150]!.c * 10 };
    const r = checkBars(input(rows));
    // Up ×10 into bar 150 and back down into bar 151.
    expect(r.outliers.map((o) => (o.time - T0) / H)).toEqual([150, 151]);
    expect(r.outliers[0]!.logReturn).toBeCloseTo(Math.log(rows[150]!.c / rows[149]!.c), 12);
    expect(r.outliers[0]!.score).toBeGreaterThan(400);
    expect(counts(r)).toEqual({ ...ZERO, outliers: 2 });
    // With k = 1 ordinary moves count too; with a huge k nothing does.
    expect(checkBars(input(rows), { outlierK: 1, outlierWindow: 100 }).outliers.length).toBeGreaterThan(50);
    expect(checkBars(input(rows), { outlierK: 1e6, outlierWindow: 100 }).outliers.length).toBe(0);
  });

  it('judges against a max problem count or a ratio of the expected bars', () => {
    const rows = cleanRows(100).filter((_, i) => i !== 50);
    rows[10] = { ...rows[10]!, h: rows[10]!.l / 2 };
    const r = checkBars(input(rows));
    expect(judge(r, {})).toMatchObject({ problems: 2, failed: true, problemRatio: 0.02 });
    expect(judge(r, { ratio: 0.02 })).toMatchObject({ failed: false });
    expect(judge(r, { ratio: 0.019 })).toMatchObject({ failed: true, reason: '2 problem bars (2.000% of 100) exceed the threshold 0.019' });
    expect(judge(r, { maxProblems: 2 })).toMatchObject({ failed: false, reason: '2 problem bars within --max-problems 2' });
    expect(judge(r, { maxProblems: 1 })).toMatchObject({ failed: true, reason: '2 problem bars exceed --max-problems 1' });
  });
});

describe('data check on CSV files', () => {
  const dir = tempDir('ck-check-');
  afterAll(() => rm(dir));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('reads every row it can and lists the unreadable ones with their line numbers', () => {
    const f = write('mixed.csv', [
      'timestamp,open,high,low,close,volume',
      `${T0},10,11,9,10.5,1`,
      `${T0 + H},10.5,abc,9,10,1`,
      `${T0 + 2 * H},10,11,9`,
      `${T0 + 3 * H},10,11,9,NaN,1`,
      `${T0 + 2 * H},10,11,9,10,1`,
      `2024-01-01T05:00:00Z,10,9,9.5,10,1`,
      '',
    ].join('\n'));
    const inp = readCsvForCheck(f, '1h');
    expect(inp.unreadable).toEqual([
      { row: 3, reason: 'high "abc" is not a finite number' },
      { row: 4, reason: '4 columns, expected 6' },
      { row: 5, reason: 'close "NaN" is not a finite number' },
    ]);
    expect(Array.from(inp.row!)).toEqual([2, 6, 7]);
    const r = checkBars(inp);
    expect(counts(r)).toEqual({ ...ZERO, unreadable: 3, gaps: 3, ohlc: 1 });
    expect(r.ohlc).toEqual([{ time: T0 + 5 * H, row: 7, problems: ['high 9 is below low 9.5', 'high 9 is below open 10', 'high 9 is below close 10'] }]);
  });

  it('reads header-less semicolon files with epoch seconds and Binance 12-column dumps', () => {
    const s = write('secs.csv', [0, 1, 2, 4].map((i) => `${(T0 + i * H) / 1000};1;2;0.5;1.5;3`).join('\n'));
    const a = checkBars(readCsvForCheck(s, '1h'));
    expect(a).toMatchObject({ bars: 4, first: T0, last: T0 + 4 * H, counts: { ...ZERO, gaps: 1 } });
    const b = write('dump.csv', [0, 1, 1].map((i) => `${T0 + i * H},1.0,2.0,0.5,1.5,3.0,${T0 + (i + 1) * H - 1},4.5,10,1.5,2.2,0`).join('\n'));
    expect(checkBars(readCsvForCheck(b, '1h')).counts).toEqual({ ...ZERO, duplicates: 1 });
  });

  it('refuses an empty file, a binary file and a missing file with one clear line', () => {
    const e = (f: string) => {
      try {
        readCsvForCheck(f, '1h');
        return 'no error';
      } catch (x) {
        expect(x).toBeInstanceOf(UserError);
        return (x as Error).message;
      }
    };
    expect(e(write('empty.csv', '\n\n'))).toBe('"empty.csv" is empty');
    expect(e(write('bin.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01]).toString('latin1')))).toBe('"bin.csv" is not a text file (it contains NUL bytes)');
    expect(e(path.join(dir, 'nope.csv'))).toBe('cannot read "nope.csv" (ENOENT)');
  });
});

describe('data check on the real files in ../shared/data', () => {
  const real = (name: string, tf: '1h' | '1m' | '5m') => checkBars(readCsvForCheck(path.join(SHARED, 'data', name), tf));

  it('finds exactly 28 placeholder bars in 11 runs and no gaps in the Coinbase 1h file', () => {
    const r = real('coinbase_btc-usd_1h_2017-07-01_2019-10-17.csv', '1h');
    expect(r).toMatchObject({ bars: 20111, expectedBars: 20111, zeroVolumeBars: 28, runs: { gaps: 0, placeholders: 11 } });
    expect(r.counts).toMatchObject({ unreadable: 0, gaps: 0, duplicates: 0, offGrid: 0, outOfOrder: 0, ohlc: 0, nonPositive: 0, negativeVolume: 0, placeholders: 28 });
    const iso = (t: number) => new Date(t).toISOString().slice(0, 16);
    expect(r.placeholders.map((p) => [iso(p.start), iso(p.end), p.length])).toEqual([
      ['2017-09-25T05:00', '2017-09-25T06:00', 2],
      ['2017-12-01T07:00', '2017-12-01T07:00', 1],
      ['2017-12-12T06:00', '2017-12-12T06:00', 1],
      ['2018-02-01T05:00', '2018-02-01T07:00', 3],
      ['2018-05-10T04:00', '2018-05-10T04:00', 1],
      ['2018-05-30T03:00', '2018-05-30T03:00', 1],
      ['2018-06-04T03:00', '2018-06-04T03:00', 1],
      ['2018-08-10T01:00', '2018-08-10T15:00', 15],
      ['2018-12-26T02:00', '2018-12-26T02:00', 1],
      ['2019-04-11T13:00', '2019-04-11T13:00', 1],
      ['2019-06-20T15:00', '2019-06-20T15:00', 1],
    ]);
    // Placeholders are warnings by default; --strict makes them (and the outlier jumps) fail.
    expect(judge(r, {}).failed).toBe(false);
    expect(judge(r, { strict: true }).failed).toBe(true);
  });

  it.each([
    ['binance_btc-usdt_1m_2021-02-19_2021-02-25.csv', '1m', 10080],
    ['btc-perp_1m_2021-12-31_2022-02-01.csv', '1m', 45031],
    ['bittrex_eth-btc_5m_2018-01-10_2018-01-30.csv', '5m', 5760],
  ] as const)('finds %s clean', (name, tf, bars) => {
    const r = real(name, tf);
    expect(r).toMatchObject({ bars, expectedBars: bars, zeroVolumeBars: 0 });
    expect(r.counts).toEqual(ZERO);
    expect(judge(r, { strict: true }).failed).toBe(false);
  });
});
