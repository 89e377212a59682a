import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns } from '../../engine/domain/index.js';
import { openBarStore } from '../../data/index.js';
import { SHARED, rm, runCli, tempDir } from '../helpers/cli.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const COINBASE = path.join(SHARED, 'data', 'coinbase_btc-usd_1h_2017-07-01_2019-10-17.csv');

let dir: string;
let broken: string;
beforeAll(() => {
  dir = tempDir('ck-check-cli-');
  // 48 hourly bars with: a 2-bar gap, a duplicate, an off-grid row, a high below low, a zero close.
  const lines = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < 48; i++) {
    if (i === 10 || i === 11) continue;
    const t = T0 + i * H;
    if (i === 20) lines.push(`${t},100,99,101,100,1`);
    else if (i === 30) lines.push(`${t},100,101,0,0,1`);
    else lines.push(`${t},100,101,99,100.5,1`);
    if (i === 5) lines.push(`${t},100,101,99,100.5,1`);
    if (i === 40) lines.push(`${t + 60_000},100,101,99,100.5,1`);
  }
  broken = path.join(dir, 'broken.csv');
  fs.writeFileSync(broken, lines.join('\n') + '\n');
});
afterAll(() => rm(dir));

describe('candlekeep data check (CLI)', { timeout: 120_000 }, () => {
  it('checks the Coinbase file: 28 placeholder bars in 11 runs are warnings, exit 0', () => {
    const r = runCli(['data', 'check', '--file', COINBASE, '--timeframe', '1h', '--json'], { home: dir });
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      file: COINBASE,
      timeframe: '1h',
      bars: 20111,
      expectedBars: 20111,
      firstIso: '2017-07-01T11:00:00Z',
      lastIso: '2019-10-17T09:00:00Z',
      counts: { unreadable: 0, gaps: 0, duplicates: 0, offGrid: 0, outOfOrder: 0, ohlc: 0, nonPositive: 0, negativeVolume: 0, placeholders: 28, outliers: 3 },
      runs: { gaps: 0, placeholders: 11 },
      verdict: { problems: 0, warnings: 31, failed: false },
    });
    expect(out.placeholders).toContainEqual({ start: Date.UTC(2018, 7, 10, 1), end: Date.UTC(2018, 7, 10, 15), length: 15 });
  });

  it('prints a readable table and fails with --strict', () => {
    const r = runCli(['data', 'check', '--file', COINBASE, '--timeframe', '1h', '--strict'], { home: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('placeholder bars      error     28    11');
    expect(r.stdout).toContain('2018-08-10T01:00:00Z  2018-08-10T15:00:00Z      15');
    expect(r.stderr).toBe('candlekeep: data check failed: 31 problem bars (0.154% of 20111) exceed the threshold 0\n');
  });

  it('reports every problem kind of a broken file with exact counts and exits 1', () => {
    const r = runCli(['data', 'check', '--file', broken, '--timeframe', '1h', '--json'], { home: dir });
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.counts).toEqual({ unreadable: 0, gaps: 2, duplicates: 1, offGrid: 1, outOfOrder: 0, ohlc: 1, nonPositive: 1, negativeVolume: 0, placeholders: 0, outliers: 0 });
    expect(out.gaps).toEqual([{ from: T0 + 10 * H, to: T0 + 11 * H, missing: 2 }]);
    expect(out.duplicates).toEqual([{ time: T0 + 5 * H, count: 2, identical: true, rows: [7, 8] }]);
    expect(out.offGrid).toEqual([{ time: T0 + 40 * H + 60_000, row: 42 }]);
    expect(out.ohlc).toEqual([{ time: T0 + 20 * H, row: 21, problems: ['high 99 is below low 101', 'high 99 is below open 100', 'high 99 is below close 100', 'low 101 is above open 100', 'low 101 is above close 100'] }]);
    expect(out.nonPositive).toEqual([{ time: T0 + 30 * H, row: 31, fields: ['low 0', 'close 0'] }]);
    expect(out.verdict).toMatchObject({ problems: 6, failed: true });
    expect(r.stderr).toBe('candlekeep: data check failed: 6 problem bars (12.500% of 48) exceed the threshold 0\n');
  });

  it('passes the broken file under a loose enough --max-problems, --threshold or config threshold', () => {
    expect(runCli(['data', 'check', '--file', broken, '--timeframe', '1h', '--max-problems', '6'], { home: dir }).code).toBe(0);
    expect(runCli(['data', 'check', '--file', broken, '--timeframe', '1h', '--max-problems', '5'], { home: dir }).code).toBe(1);
    expect(runCli(['data', 'check', '--file', broken, '--timeframe', '1h', '--threshold', '0.125'], { home: dir }).code).toBe(0);
    const h = tempDir('ck-check-cfg-');
    try {
      fs.writeFileSync(path.join(h, 'config.json'), JSON.stringify({ data: { checkThreshold: 0.2 } }));
      const r = runCli(['data', 'check', '--file', broken, '--timeframe', '1h'], { home: h });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('OK: 6 problem bars (12.500% of 48) within the threshold 0.2');
    } finally {
      rm(h);
    }
  });

  it('checks a stored series for gaps', () => {
    const h = tempDir('ck-check-store-');
    try {
      const store = openBarStore(h);
      const n = 30;
      const c = allocBarColumns(n - 3);
      let j = 0;
      for (let i = 0; i < n; i++) {
        if (i >= 12 && i < 15) continue;
        c.openTime[j] = T0 + i * H; c.open[j] = 100; c.high[j] = 101; c.low[j] = 99; c.close[j] = 100; c.volume[j] = 2;
        j++;
      }
      store.upsert({ instrument: 'binance:BTC/USDT', timeframe: '1h' }, c, { source: 'test' });
      store.upsert({ instrument: 'synth:BTC/USDT', timeframe: '1h' }, c, { source: 'synthetic:seed=7', synthetic: true });
      store.close();
      const r = runCli(['data', 'check', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--json'], { home: h });
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ instrument: 'binance:BTC/USDT', source: 'test', synthetic: false, bars: 27, expectedBars: 30, gaps: [{ from: T0 + 12 * H, to: T0 + 14 * H, missing: 3 }] });
      const synth = runCli(['data', 'check', '--instrument', 'synth:BTC/USDT', '--timeframe', '1h'], { home: h });
      expect(synth.stdout.split('\n')[0]).toBe('data check: synth:BTC/USDT (SYNTHETIC data, source synthetic:seed=7) 1h');
      const none = runCli(['data', 'check', '--instrument', 'binance:ETH/USDT', '--timeframe', '1h'], { home: h });
      expect(none.code, none.stderr).toBe(1);
      expect(none.stderr).toBe('candlekeep: no bars stored for binance:ETH/USDT 1h; fetch or import them first (data list shows what is stored)\n');
    } finally {
      rm(h);
    }
  });

  it('refuses bad flags with one line', () => {
    const one = (args: string[]) => {
      const r = runCli(['data', 'check', ...args], { home: dir });
      expect(r.code, r.stderr).toBe(1);
      return r.stderr.split('\n')[0];
    };
    expect(one(['--timeframe', '1h'])).toBe('candlekeep: name what to check: --instrument <id> (a stored series) or --file <csv>, not both');
    expect(one(['--timeframe', '1h', '--file', broken, '--instrument', 'binance:BTC/USDT'])).toBe('candlekeep: name what to check: --instrument <id> (a stored series) or --file <csv>, not both');
    expect(one(['--timeframe', '1hh', '--file', broken])).toBe('candlekeep: unknown timeframe "1hh" — did you mean "1h"?');
    expect(one(['--timeframe', '1h', '--file', broken, '--threshold', '2'])).toBe('candlekeep: --threshold: "2" must be a fraction from 0 to 1 (e.g. 0.01 for 1%)');
    expect(one(['--timeframe', '1h', '--file', broken, '--threshold', '0.1', '--max-problems', '3'])).toBe('candlekeep: use --max-problems or --threshold, not both');
    expect(one(['--timeframe', '1h', '--file', path.join(dir, 'missing.csv')])).toBe('candlekeep: cannot read "missing.csv" (ENOENT)');
  });
});
