import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../engine/domain/index.js';
import type { SeriesKey } from '../../engine/ports/index.js';
import { exportCsv, importCsv, openBarStore, type SqliteBarStore } from '../../data/index.js';
import { rm, SHARED, tempDir } from '../helpers/cli.js';

const KEY: SeriesKey = { instrument: 'binance:BTC/USDT', timeframe: '1h' };
const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

let dir: string;
let store: SqliteBarStore;
beforeEach(() => {
  dir = tempDir('ck-csv-');
  store = openBarStore(path.join(dir, 'home'));
});
afterEach(() => {
  store.close();
  rm(dir);
});

function write(name: string, text: string | Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** n good hourly rows `t,o,h,l,c,v` from T0. */
function goodRows(n: number, t = (i: number) => String(T0 + i * H)): string[] {
  return Array.from({ length: n }, (_, i) => `${t(i)},${100 + i},${102 + i},${99 + i},${101 + i},${5 + i}`);
}

/** The UserError an import throws, as message + hint lines. */
function refusal(fn: () => unknown): { message: string; lines: string[] } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const u = e as UserError;
    return { message: u.message, lines: u.hint ? u.hint.split('\n') : [] };
  }
  throw new Error('expected the import to be refused');
}

function expectStoredCloses(closes: number[]): void {
  expect(Array.from(store.read(KEY).close)).toEqual(closes);
}

describe('CSV import: formats', () => {
  it('reads a comma-separated file with a timestamp header in ms', () => {
    const f = write('a.csv', ['timestamp,open,high,low,close,volume', ...goodRows(3)].join('\n') + '\n');
    const r = importCsv(store, f, KEY);
    expect(r).toMatchObject({ layout: 'header', delimiter: ',', timestampUnit: 'ms', rows: 3, inserted: 3, updated: 0, unchanged: 0, skipped: 0 });
    expect(Array.from(store.read(KEY).openTime)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(store.info(KEY)!.source).toBe('csv:a.csv');
  });

  it('reads seconds, microseconds and ISO-8601 timestamps as the same bars', () => {
    const variants: [string, string, (i: number) => string][] = [
      ['s.csv', 'time', (i) => String((T0 + i * H) / 1000)],
      ['us.csv', 'open_time', (i) => String((T0 + i * H) * 1000)],
      ['iso.csv', 'date', (i) => new Date(T0 + i * H).toISOString()],
      ['iso-space.csv', 'datetime', (i) => new Date(T0 + i * H).toISOString().replace('T', ' ').replace('.000Z', '')],
      ['tsms.csv', 'timestamp_ms', (i) => String(T0 + i * H)],
    ];
    const units: string[] = [];
    for (const [name, col, t] of variants) {
      const f = write(name, [`${col},open,high,low,close,volume`, ...goodRows(4, t)].join('\n'));
      const k = { instrument: `test:${name.replace(/\W/g, '').toUpperCase()}/USD`, timeframe: '1h' as const };
      units.push(importCsv(store, f, k).timestampUnit!);
      expect(Array.from(store.read(k).openTime)).toEqual([T0, T0 + H, T0 + 2 * H, T0 + 3 * H]);
    }
    expect(units).toEqual(['s', 'us', 'iso', 'iso', 'ms']);
  });

  it('detects ; tab and | delimiters, CRLF line ends, a BOM, quotes and reordered extra columns', () => {
    const rows = goodRows(2).map((r) => r.split(','));
    const cases: [string, string][] = [
      ['semi.csv', ['timestamp;open;high;low;close;volume', ...rows.map((r) => r.join(';'))].join('\r\n')],
      ['tab.tsv', ['timestamp\topen\thigh\tlow\tclose\tvolume', ...rows.map((r) => r.join('\t'))].join('\n')],
      ['pipe.csv', ['timestamp|open|high|low|close|volume', ...rows.map((r) => r.join('|'))].join('\n')],
      ['bom.csv', '\ufeff' + ['Timestamp,Open,High,Low,Close,Volume', ...rows.map((r) => r.join(','))].join('\n')],
      ['quoted.csv', ['"timestamp","open","high","low","close","volume"', ...rows.map((r) => r.map((x) => `"${x}"`).join(','))].join('\n')],
      ['reordered.csv', ['symbol,Close,Volume BTC,High,Low,Open,Date', ...rows.map((r) => `BTC,${r[4]},${r[5]},${r[2]},${r[3]},${r[1]},${r[0]}`)].join('\n')],
    ];
    for (const [name, text] of cases) {
      const k = { instrument: `test:${name.replace(/\W/g, '').toUpperCase()}/USD`, timeframe: '1h' as const };
      const r = importCsv(store, write(name, text), k);
      expect(r.inserted, name).toBe(2);
      expect(Array.from(store.read(k).close), name).toEqual([101, 102]);
      expect(Array.from(store.read(k).volume), name).toEqual([5, 6]);
    }
  });

  it('reads a 12-column Binance kline dump without a header', () => {
    const line = (i: number) =>
      `${T0 + i * H},42000.01000000,42100.00000000,41900.50000000,42050.00000000,12.34500000,${T0 + (i + 1) * H - 1},518765.12,1500,6.1,256000.1,0`;
    const r = importCsv(store, write('BTCUSDT-1h-2024-01.csv', [line(0), line(1)].join('\n')), KEY);
    expect(r).toMatchObject({ layout: 'binance', rows: 2, inserted: 2 });
    const b = store.read(KEY);
    expect([b.open[0], b.high[0], b.low[0], b.close[0], b.volume[0]]).toEqual([42000.01, 42100, 41900.5, 42050, 12.345]);
  });

  it('reads a volume of -0 as 0 and ignores whitespace-only lines', () => {
    const text = ['timestamp,open,high,low,close,volume', `${T0},1,2,0.5,1.5,-0`, '   ', `${T0 + H},1,2,0.5,1.5,-0.0e0`, ' \t '].join('\n');
    const r = importCsv(store, write('z.csv', text), KEY);
    expect(r).toMatchObject({ rows: 2, inserted: 2 });
    expect(Array.from(store.read(KEY).volume).map((v) => Object.is(v, 0))).toEqual([true, true]);
  });

  it('reads decimal seconds to the millisecond and refuses sub-millisecond times', () => {
    const ok = importCsv(store, write('dec.csv', ['time,open,high,low,close,volume', '1704067200.000,1,2,0.5,1.5,1', '1704070800.0,1,2,0.5,1.5,1'].join('\n')), KEY);
    expect(ok.inserted).toBe(2);
    expect(Array.from(store.read(KEY).openTime)).toEqual([T0, T0 + H]);
    const f = write('sub.csv', ['time,open,high,low,close,volume', '1704067200123456,1,2,0.5,1.5,1'].join('\n'));
    expect(refusal(() => importCsv(store, f, { instrument: 'x:Y/Z', timeframe: '1m' })).lines).toEqual(['row 2 of "sub.csv": timestamp "1704067200123456" is not a whole millisecond']);
  });

  it('reads a 6-column file without a header', () => {
    const r = importCsv(store, write('plain.csv', goodRows(3).join('\n')), KEY);
    expect(r).toMatchObject({ layout: 'plain', inserted: 3 });
  });

  it('parses every number to the same float64 as JavaScript does', () => {
    const texts = ['0.1', '0.30000000000000004', '1e-7', '2.5E+3', '123456789012.345678', '0.00000001', '99999999999999999', '.5', '7.', '1.7976931348623157e308'];
    const lines = texts.map((v, i) => `${T0 + i * H},${v},${v},${v},${v},${v}`);
    importCsv(store, write('num.csv', ['timestamp,open,high,low,close,volume', ...lines].join('\n')), KEY);
    expect(Array.from(store.read(KEY).close)).toEqual(texts.map(Number));
  });

  it('imports the real shared files and exports them back byte for byte', () => {
    const files: [string, SeriesKey][] = [
      ['coinbase_btc-usd_1h_2017-07-01_2019-10-17.csv', { instrument: 'coinbase:BTC/USD', timeframe: '1h' }],
      ['binance_btc-usdt_1m_2021-02-19_2021-02-25.csv', { instrument: 'binance:BTC/USDT', timeframe: '1m' }],
      ['bittrex_eth-btc_5m_2018-01-10_2018-01-30.csv', { instrument: 'bittrex:ETH/BTC', timeframe: '5m' }],
    ];
    for (const [name, key] of files) {
      const src = path.join(SHARED, 'data', name);
      const r = importCsv(store, src, key);
      expect(r.skipped).toBe(0);
      const out = path.join(dir, 'out-' + name);
      exportCsv(store, key, out);
      expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(src, 'utf8'));
    }
  });
});

describe('CSV import: bad rows', () => {
  const header = 'timestamp,open,high,low,close,volume';

  /** Imports a file whose row `bad` (a 1-based line number; the header is row 1) is replaced. */
  function problemsOf(badLine: string, name = 'btc.csv'): string[] {
    const rows = goodRows(5);
    rows[2] = badLine;
    const f = write(name, [header, ...rows].join('\n') + '\n');
    const { message, lines } = refusal(() => importCsv(store, f, KEY));
    expect(message).toBe(`refused to import "${name}": 1 bad row of 5; nothing was written (fix them, or pass --skip-invalid to import the good rows)`);
    expect(store.list()).toEqual([]);
    return lines;
  }
  const t2 = String(T0 + 2 * H);

  it('names file, row and values when high is below low', () => {
    const rows = goodRows(900);
    rows[810] = `${T0 + 810 * H},42000,41990.5,42001.0,42000,1`;
    const f = write('btc.csv', [header, ...rows].join('\n'));
    expect(refusal(() => importCsv(store, f, KEY)).lines).toEqual(['row 812 of "btc.csv": high "41990.5" is below low "42001.0"']);
  });

  it('refuses a wrong column count', () => {
    expect(problemsOf(`${t2},1,2,0.5,1.5`)).toEqual(['row 4 of "btc.csv": expected 6 columns, found 5']);
    expect(problemsOf(`${t2},1,2,0.5,1.5,3,9`)).toEqual(['row 4 of "btc.csv": expected 6 columns, found 7']);
  });

  it('refuses text, NaN and Infinity in numbers', () => {
    expect(problemsOf(`${t2},abc,2,0.5,1.5,3`)).toEqual(['row 4 of "btc.csv": open "abc" is not a number']);
    expect(problemsOf(`${t2},1,2,0.5,NaN,3`)).toEqual(['row 4 of "btc.csv": close "NaN" is not a finite number']);
    expect(problemsOf(`${t2},1,Infinity,0.5,1.5,3`)).toEqual(['row 4 of "btc.csv": high "Infinity" is not a finite number']);
    expect(problemsOf(`${t2},1,1e999,0.5,1.5,3`)).toEqual(['row 4 of "btc.csv": high "1e999" is not a finite number']);
    expect(problemsOf(`${t2},1,2,0.5,1.5,`)).toEqual(['row 4 of "btc.csv": volume is empty']);
    expect(problemsOf(`yesterday,1,2,0.5,1.5,3`)).toEqual([
      'row 4 of "btc.csv": timestamp "yesterday" is not a timestamp (use epoch seconds, milliseconds, microseconds or ISO-8601)',
    ]);
  });

  it('refuses negative or zero prices and negative volume', () => {
    expect(problemsOf(`${t2},-1,2,0.5,1.5,3`)).toEqual(['row 4 of "btc.csv": open "-1" is not a positive price']);
    expect(problemsOf(`${t2},1,2,0,1.5,3`)).toEqual(['row 4 of "btc.csv": low "0" is not a positive price']);
    expect(problemsOf(`${t2},1,2,0.5,1.5,-3`)).toEqual(['row 4 of "btc.csv": volume "-3" is negative']);
  });

  it('refuses OHLC inconsistencies', () => {
    expect(problemsOf(`${t2},3,2,0.5,1.5,3`)).toEqual(['row 4 of "btc.csv": high "2" is below open "3"']);
    expect(problemsOf(`${t2},1,2,0.5,2.5,3`)).toEqual(['row 4 of "btc.csv": high "2" is below close "2.5"']);
    expect(problemsOf(`${t2},1,2,1.2,1.5,3`)).toEqual(['row 4 of "btc.csv": low "1.2" is above open "1"']);
    expect(problemsOf(`${t2},1.5,2,1.2,1,3`)).toEqual(['row 4 of "btc.csv": low "1.2" is above close "1"']);
  });

  it('refuses duplicate, out-of-order and off-grid timestamps', () => {
    expect(problemsOf(`${T0 + H},1,2,0.5,1.5,3`)).toEqual([`row 4 of "btc.csv": timestamp "${T0 + H}" repeats row 3`]);
    expect(problemsOf(`${T0 - H},1,2,0.5,1.5,3`)).toEqual([
      `row 4 of "btc.csv": timestamp "${T0 - H}" (2023-12-31T23:00:00Z) is before row 3's (2024-01-01T01:00:00Z); rows must be in time order`,
    ]);
    expect(problemsOf(`${T0 + 2 * H + 60_000},1,2,0.5,1.5,3`)).toEqual([
      `row 4 of "btc.csv": timestamp "${T0 + 2 * H + 60_000}" (2024-01-01T02:01:00Z) is not on the 1h grid`,
    ]);
  });

  it('refuses mixed timestamp units', () => {
    expect(problemsOf(`${(T0 + 2 * H) / 1000},1,2,0.5,1.5,3`)).toEqual([
      `row 4 of "btc.csv": timestamp "${(T0 + 2 * H) / 1000}" is in seconds but earlier rows are in milliseconds (mixed timestamp units)`,
    ]);
    expect(problemsOf(`2024-01-01T02:00:00Z,1,2,0.5,1.5,3`)).toEqual([
      'row 4 of "btc.csv": timestamp "2024-01-01T02:00:00Z" is in ISO-8601 dates but earlier rows are in milliseconds (mixed timestamp units)',
    ]);
  });

  it('lists the first 20 problems and the total, and leaves the store unchanged', () => {
    importCsv(store, write('before.csv', [header, ...goodRows(10)].join('\n')), KEY);
    const before = { hash: store.info(KEY)!.hash, count: store.info(KEY)!.count };
    const rows = goodRows(100).map((r, i) => (i % 2 === 1 ? r.replace(/,[^,]*$/, ',-1') : r));
    const f = write('many.csv', [header, ...rows].join('\n'));
    const { message, lines } = refusal(() => importCsv(store, f, KEY));
    expect(message).toBe('refused to import "many.csv": 50 bad rows of 100; nothing was written (fix them, or pass --skip-invalid to import the good rows)');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('row 3 of "many.csv": volume "-1" is negative');
    expect(lines[19]).toBe('row 41 of "many.csv": volume "-1" is negative');
    expect(lines[20]).toBe('… and 30 more');
    expect(store.info(KEY)).toMatchObject(before);
  });

  it('imports the good rows with skipInvalid and reports the rest', () => {
    const rows = goodRows(6);
    rows[1] = `${T0 + H},1,2,0.5,abc,3`;
    rows[4] = `${T0 + 2 * H},1,2,0.5,1.5,3`;
    const r = importCsv(store, write('skip.csv', [header, ...rows].join('\n')), KEY, { skipInvalid: true });
    expect(r).toMatchObject({ rows: 6, inserted: 4, skipped: 2 });
    expect(r.problems).toEqual([
      'row 3 of "skip.csv": close "abc" is not a number',
      `row 6 of "skip.csv": timestamp "${T0 + 2 * H}" (2024-01-01T02:00:00Z) is before row 5's (2024-01-01T03:00:00Z); rows must be in time order`,
    ]);
    expectStoredCloses([101, 103, 104, 106]);
  });

  it('refuses a file whose rows are all bad even with skipInvalid', () => {
    const f = write('allbad.csv', [header, `${T0},x,1,1,1,1`].join('\n'));
    expect(refusal(() => importCsv(store, f, KEY, { skipInvalid: true })).message).toBe(
      'refused to import "allbad.csv": all 1 rows are bad; nothing was written',
    );
  });
});

describe('CSV import: bad files', () => {
  it('refuses an empty file', () => {
    expect(refusal(() => importCsv(store, write('empty.csv', ''), KEY)).message).toBe('"empty.csv" is empty');
    expect(refusal(() => importCsv(store, write('blank.csv', '\n\r\n\n'), KEY)).message).toBe('"blank.csv" is empty');
  });

  it('refuses a header without rows', () => {
    expect(refusal(() => importCsv(store, write('h.csv', 'timestamp,open,high,low,close,volume\n'), KEY)).message).toBe('"h.csv" has a header but no data rows');
  });

  it('refuses a header without a needed column, naming what it found', () => {
    expect(refusal(() => importCsv(store, write('h.csv', 'timestamp,open,high,close,volume\n1,1,1,1,1'), KEY)).message).toBe(
      '"h.csv": the header has no low column (found: timestamp, open, high, close, volume)',
    );
  });

  it('refuses binary garbage', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    expect(refusal(() => importCsv(store, write('garbage.bin', garbage), KEY)).message).toMatch(/^"garbage\.bin" is not a CSV text file \(binary data at byte \d+\)$/);
  });

  it('refuses a 2 GB file of zero bytes without reading it into memory', () => {
    const f = path.join(dir, 'huge.csv');
    fs.writeFileSync(f, 'timestamp,open,high,low,close,volume\n' + goodRows(3).join('\n') + '\n');
    fs.truncateSync(f, 2 * 1024 ** 3); // sparse: 2 GB on paper, no disk used
    expect(refusal(() => importCsv(store, f, KEY)).message).toMatch(/^"huge\.csv" is not a CSV text file \(binary data at byte \d+\)$/);
    expect(store.list()).toEqual([]);
  });

  it('refuses a headerless file with an unknown column count', () => {
    expect(refusal(() => importCsv(store, write('odd.csv', '1704067200000,1,2,0.5,1.5,3,4,5'), KEY)).message).toBe(
      '"odd.csv": no header row and 8 columns; expected a header, 6 columns (timestamp,open,high,low,close,volume) or a 12-column Binance kline dump',
    );
  });

  it('refuses a missing file', () => {
    expect(refusal(() => importCsv(store, path.join(dir, 'nope.csv'), KEY)).message).toBe('cannot read "nope.csv" (ENOENT)');
  });

  it('leaves the store unchanged when a bad row comes after batches were already written', () => {
    const header = 'timestamp,open,high,low,close,volume';
    importCsv(store, write('first.csv', [header, ...goodRows(3000)].join('\n')), KEY);
    const before = store.info(KEY)!;
    // 5000 rows overlapping the stored ones with changed closes, then one bad row at the very end.
    const rows = goodRows(5000).map((r) => r.replace(/,(\d+),(\d+)$/, (_m, c: string, v: string) => `,${Number(c) + 0.5},${v}`));
    rows.push(`${T0 + 5000 * H},1,2,3,1.5,1`);
    const f = write('late-bad.csv', [header, ...rows].join('\n'));
    expect(refusal(() => importCsv(store, f, KEY, { batchRows: 1000 })).message).toMatch(/^refused to import "late-bad\.csv": 1 bad row of 5001/);
    const after = store.info(KEY)!;
    expect(after).toEqual(before);
    expect(store.contentHash(KEY)).toBe(before.hash);
  });
});
