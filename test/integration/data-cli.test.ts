import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rm, runCli, SHARED, tempDir } from '../helpers/cli.js';

const COINBASE = path.join(SHARED, 'data', 'coinbase_btc-usd_1h_2017-07-01_2019-10-17.csv');
const BINANCE_1M = path.join(SHARED, 'data', 'binance_btc-usdt_1m_2021-02-19_2021-02-25.csv');
const HEADER = 'timestamp,open,high,low,close,volume';

let dir: string;
let home: string;
beforeEach(() => {
  dir = tempDir('ck-data-cli-');
  home = path.join(dir, 'home');
});
afterEach(() => rm(dir));

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

type ListRow = { instrument: string; timeframe: string; count: number; first: number; last: number; hash: string; source: string; synthetic: boolean; missing: number; gaps: number };

describe('data import / export / list', () => {
  it('imports a CSV, lists the series and exports the same bytes back', () => {
    const imp = runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h', '--json'], { home });
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    expect(json(imp.stdout)).toMatchObject({ rows: 20111, inserted: 20111, updated: 0, unchanged: 0, skipped: 0 });

    const again = runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h', '--json'], { home });
    expect(json(again.stdout)).toMatchObject({ inserted: 0, updated: 0, unchanged: 20111 });

    const list = runCli(['data', 'list', '--json'], { home });
    expect(list.code).toBe(0);
    const rows = json<ListRow[]>(list.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      instrument: 'coinbase:BTC/USD',
      timeframe: '1h',
      count: 20111,
      first: 1498906800000,
      last: 1571302800000,
      missing: 0,
      gaps: 0,
      source: 'csv:coinbase_btc-usd_1h_2017-07-01_2019-10-17.csv',
      synthetic: false,
    });
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);

    const out = path.join(dir, 'out.csv');
    const exp = runCli(['data', 'export', '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h', '--out', out], { home });
    expect(exp.code).toBe(0);
    expect(exp.stdout).toContain('wrote 20111 bars of coinbase:BTC/USD 1h');
    expect(sha(out)).toBe(sha(COINBASE));
  });

  it('exports a time range with --from and --to (to exclusive)', () => {
    runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
    const out = path.join(dir, 'part.csv');
    const r = runCli(['data', 'export', '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h', '--out', out, '--from', '2018-01-01', '--to', '2018-01-01T03:00Z'], { home });
    expect(r.code).toBe(0);
    const src = fs.readFileSync(COINBASE, 'utf8').split('\n');
    const start = src.findIndex((l) => l.startsWith('1514764800000,'));
    expect(fs.readFileSync(out, 'utf8')).toBe([HEADER, ...src.slice(start, start + 3)].join('\n') + '\n');
  });

  it('shows a readable table in data list', () => {
    runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
    const r = runCli(['data', 'list'], { home });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^instrument\s+timeframe\s+first\s+last\s+count\s+missing\s+gaps\s+source\s+kind\s+hash$/);
    expect(lines[2]).toMatch(/^coinbase:BTC\/USD\s+1h\s+2017-07-01T11:00:00Z\s+2019-10-17T09:00:00Z\s+20111\s+0\s+0\s+csv:coinbase\S+\s+market\s+[0-9a-f]{16}$/);
  });

  it('refuses a file with a bad row: one-line message, the problems listed, exit 1, store unchanged', () => {
    const f = path.join(dir, 'btc.csv');
    const rows = [HEADER, '1704067200000,42000,42010,41990,42005,1', '1704070800000,42000,41990.5,42001.0,42000,1', '1704074400000,42000,42010,41990,42005,abc'];
    fs.writeFileSync(f, rows.join('\n'));
    const r = runCli(['data', 'import', f, '--instrument', 'binance:BTC/USDT', '--timeframe', '1h'], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'candlekeep: refused to import "btc.csv": 2 bad rows of 3; nothing was written (fix them, or pass --skip-invalid to import the good rows)\n' +
        'row 3 of "btc.csv": high "41990.5" is below low "42001.0"\n' +
        'row 4 of "btc.csv": volume "abc" is not a number\n',
    );
    expect(json(runCli(['data', 'list', '--json'], { home }).stdout)).toEqual([]);

    const skip = runCli(['data', 'import', f, '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--skip-invalid', '--json'], { home });
    expect(skip.code).toBe(0);
    expect(json(skip.stdout)).toMatchObject({ rows: 3, inserted: 1, skipped: 2 });
  });

  it('refuses an empty file and binary garbage with one line and exit 1', () => {
    const empty = path.join(dir, 'empty.csv');
    fs.writeFileSync(empty, '');
    const a = runCli(['data', 'import', empty, '--instrument', 'binance:BTC/USDT', '--timeframe', '1h'], { home });
    expect([a.code, a.stderr]).toEqual([1, 'candlekeep: "empty.csv" is empty\n']);
    const bin = path.join(dir, 'data.bin');
    fs.writeFileSync(bin, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]));
    const b = runCli(['data', 'import', bin, '--instrument', 'binance:BTC/USDT', '--timeframe', '1h'], { home });
    expect([b.code, b.stderr]).toEqual([1, 'candlekeep: "data.bin" is not a CSV text file (binary data at byte 4)\n']);
  });

  it('refuses an unknown timeframe with a suggestion and a malformed instrument id', () => {
    const a = runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1hr'], { home });
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('candlekeep: unknown --timeframe "1hr" — did you mean "1h"?\n');
    const b = runCli(['data', 'export', '--instrument', 'BTCUSDT', '--timeframe', '1h', '--out', path.join(dir, 'x.csv')], { home });
    expect(b.code).toBe(1);
    expect(b.stderr).toBe('candlekeep: --instrument: "BTCUSDT" is not an instrument id; use <ccxt exchange id>:<ccxt symbol>, e.g. binance:BTC/USDT\n');
    expect(fs.existsSync(path.join(dir, 'x.csv'))).toBe(false);
  });

  it('says so when exporting a series that is not stored', () => {
    const r = runCli(['data', 'export', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--out', path.join(dir, 'x.csv')], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('candlekeep: no bars stored for binance:BTC/USDT 1h (see data list)\n');
  });
});

describe('data delete / resample', () => {
  it('deletes a range, then the rest', () => {
    runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
    const a = runCli(['data', 'delete', '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h', '--from', '2018-01-01', '--to', '2018-01-02', '--json'], { home });
    expect(a.code).toBe(0);
    expect(json(a.stdout)).toEqual({ instrument: 'coinbase:BTC/USD', timeframe: '1h', deleted: 24, remaining: 20087 });
    const list = json<ListRow[]>(runCli(['data', 'list', '--json'], { home }).stdout);
    expect(list[0]).toMatchObject({ count: 20087, missing: 24, gaps: 1 });
    const b = runCli(['data', 'delete', '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
    expect(b.stdout).toBe('deleted 20087 bars of coinbase:BTC/USD 1h; 0 remain\n');
    expect(json(runCli(['data', 'list', '--json'], { home }).stdout)).toEqual([]);
  });

  it('resamples 1m to 1h: first open, max high, min low, last close, summed volume', () => {
    runCli(['data', 'import', BINANCE_1M, '--instrument', 'binance:BTC/USDT', '--timeframe', '1m'], { home });
    const r = runCli(['data', 'resample', '--instrument', 'binance:BTC/USDT', '--from', '1m', '--to', '1h', '--json'], { home });
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ sourceBars: 10080, bars: 168, inserted: 168, partial: 0, droppedEdges: 0 });
    const out = path.join(dir, '1h.csv');
    runCli(['data', 'export', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--out', out], { home });
    const got = fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    // Independent aggregation of the source file.
    const src = fs.readFileSync(BINANCE_1M, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    for (const h of [0, 57, 167]) {
      const bucket = src.slice(h * 60, h * 60 + 60);
      const vol = bucket.reduce((s, b) => s + b[5]!, 0);
      expect(got[h]!.slice(0, 5)).toEqual([bucket[0]![0], bucket[0]![1], Math.max(...bucket.map((b) => b[2]!)), Math.min(...bucket.map((b) => b[3]!)), bucket[59]![4]]);
      expect(got[h]![5]).toBeCloseTo(vol, 9);
    }
    const list = json<ListRow[]>(runCli(['data', 'list', '--json'], { home }).stdout);
    expect(list.find((s) => s.timeframe === '1h')).toMatchObject({ source: 'resample:1m', count: 168 });
  });

  it('refuses to resample to a timeframe that is not made of whole source bars', () => {
    const r = runCli(['data', 'resample', '--instrument', 'binance:BTC/USDT', '--from', '1h', '--to', '15m'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('candlekeep: --to: "15m" must be a longer timeframe than --from "1h"\n');
  });
});

describe('data synth', () => {
  it('makes the same series for the same seed, labelled synthetic everywhere', () => {
    const args = ['data', 'synth', '--instrument', 'synth:BTC/USDT', '--timeframe', '1h', '--bars', '20000', '--seed', '7', '--start', '2024-01-01'];
    const a = runCli(args, { home });
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('synth:BTC/USDT 1h [SYNTHETIC]');
    const home2 = path.join(dir, 'home2');
    runCli(args, { home: home2 });
    const l1 = json<ListRow[]>(runCli(['data', 'list', '--json'], { home }).stdout);
    const l2 = json<ListRow[]>(runCli(['data', 'list', '--json'], { home: home2 }).stdout);
    expect(l1[0]).toMatchObject({ instrument: 'synth:BTC/USDT', count: 20000, first: Date.UTC(2024, 0, 1), source: 'synthetic:seed=7', synthetic: true, missing: 0 });
    expect(l1[0]!.hash).toBe(l2[0]!.hash);
    expect(runCli(['data', 'list'], { home }).stdout).toContain('SYNTHETIC');
    const other = runCli(['data', 'synth', '--instrument', 'synth:BTC/USDT', '--timeframe', '1h', '--bars', '20000', '--seed', '8', '--json'], { home: path.join(dir, 'home3') });
    expect(other.code).toBe(0);
    const l3 = json<ListRow[]>(runCli(['data', 'list', '--json'], { home: path.join(dir, 'home3') }).stdout);
    expect(l3[0]!.hash).not.toBe(l1[0]!.hash);
  });

  it('refuses a synthetic series on a real exchange id', () => {
    const r = runCli(['data', 'synth', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--bars', '10'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('candlekeep: --instrument: synthetic series must use the "synth" exchange id (e.g. synth:BTC/USDT), not "binance"\n');
  });
});

describe('data commands on a bad database or home folder', () => {
  it('reports a locked database clearly and writes nothing', () => {
    runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
    const db = new Database(path.join(home, 'market.db'));
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    try {
      const r = runCli(['data', 'import', BINANCE_1M, '--instrument', 'binance:BTC/USDT', '--timeframe', '1m'], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`candlekeep: the database "${path.join(home, 'market.db')}" is locked by another process; stop it or wait and retry\n`);
      // Readers are not blocked by a writer (WAL).
      const list = runCli(['data', 'list', '--json'], { home });
      expect(list.code).toBe(0);
      expect(json<ListRow[]>(list.stdout).map((s) => s.count)).toEqual([20111]);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    const list = json<ListRow[]>(runCli(['data', 'list', '--json'], { home }).stdout);
    expect(list.map((s) => s.instrument)).toEqual(['coinbase:BTC/USD']);
  });

  it('reports a corrupt database file and leaves it untouched', () => {
    fs.mkdirSync(home, { recursive: true });
    const file = path.join(home, 'market.db');
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 31 + 7) % 251));
    fs.writeFileSync(file, garbage);
    const r = runCli(['data', 'list'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^candlekeep: the database "${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is corrupt or not a Candlekeep database \\(.+\\); move it away and re-import\\n$`));
    const imp = runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
    expect(imp.code).toBe(1);
    expect(fs.readFileSync(file).equals(garbage)).toBe(true);
  });

  it('reports a home folder that cannot be created (a path under a regular file)', () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    const r = runCli(['data', 'list'], { home: path.join(blocker, 'home') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`candlekeep: cannot create the folder "${path.join(blocker, 'home')}": ENOTDIR\n`);
  });

  it.skipIf(process.getuid?.() === 0)('reports a home folder without write permission (skipped as root: root bypasses permissions)', () => {
    fs.mkdirSync(home, { recursive: true });
    fs.chmodSync(home, 0o500);
    try {
      const r = runCli(['data', 'import', COINBASE, '--instrument', 'coinbase:BTC/USD', '--timeframe', '1h'], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`candlekeep: the folder "${home}" is not writable; choose another with --home or CANDLEKEEP_HOME\n`);
    } finally {
      fs.chmodSync(home, 0o700);
    }
  });
});
