import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvBars } from '../../data/index.js';
import { rm, SHARED, tempDir } from '../helpers/cli.js';

const PERP = path.join(SHARED, 'data', 'btc-perp_1m_2021-12-31_2022-02-01.csv');

describe('streaming CSV reader', () => {
  it('reads the same bars as a plain split-and-Number parse, whatever the read size and batch size', () => {
    const expected = fs.readFileSync(PERP, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    for (const [readBytes, batchRows] of [[97, 777], [4096, 1], [1 << 22, 1 << 18]] as const) {
      const got: number[][] = [];
      const stats = readCsvBars(PERP, { timeframe: '1m', readBytes, batchRows }, (b) => {
        for (let i = 0; i < b.length; i++) got.push([b.openTime[i]!, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!]);
      });
      expect(stats).toMatchObject({ rows: 45031, accepted: 45031, problemCount: 0, layout: 'header', timestampUnit: 'ms' });
      expect(got).toEqual(expected);
    }
  });

  it('reports progress in bytes up to the file size', () => {
    const seen: number[] = [];
    readCsvBars(PERP, { timeframe: '1m', readBytes: 1 << 20, onProgress: (done, total) => seen.push(done / total) }, () => {});
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(1);
  });

  it('refuses a line longer than the read buffer', () => {
    const dir = tempDir('ck-csvr-');
    try {
      const f = path.join(dir, 'long.csv');
      fs.writeFileSync(f, 'timestamp,open,high,low,close,volume\n' + '1'.repeat(5000) + '\n');
      expect(() => readCsvBars(f, { timeframe: '1m', readBytes: 1024 }, () => {})).toThrow('row 2 of "long.csv": a line longer than 1024 bytes; this is not a bar CSV');
    } finally {
      rm(dir);
    }
  });
});

describe('ISO-8601 timestamps', () => {
  it('reads dates, date-times, fractions and zone offsets as UTC milliseconds', async () => {
    const { parseIsoUtc } = await import('../../data/index.js');
    expect(parseIsoUtc('2024-01-01')).toBe(Date.UTC(2024, 0, 1));
    expect(parseIsoUtc('2024-01-01T12:30')).toBe(Date.UTC(2024, 0, 1, 12, 30));
    expect(parseIsoUtc('2024-01-01 12:30:15.250')).toBe(Date.UTC(2024, 0, 1, 12, 30, 15, 250));
    expect(parseIsoUtc('2024-01-01T12:00:00Z')).toBe(Date.UTC(2024, 0, 1, 12));
    expect(parseIsoUtc('2024-01-01T14:00:00+02:00')).toBe(Date.UTC(2024, 0, 1, 12));
    expect(parseIsoUtc('2024-01-01T07:00:00-0500')).toBe(Date.UTC(2024, 0, 1, 12));
    expect(parseIsoUtc('2024-02-30')).toBeUndefined();
    expect(parseIsoUtc('2024-13-01')).toBeUndefined();
    expect(parseIsoUtc('01/02/2024')).toBeUndefined();
  });
});
