import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BarColumns } from '../../engine/domain/index.js';
import { runBacktest } from '../../engine/app/index.js';
import smaCross from '../../strategies/sma-cross.js';
import { BIN, SHARED, rm, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { readReferenceCsv } from '../helpers/reference-data.js';

// The published table of ../shared/reference/README.md.
const TABLE = [
  { data: 'gbm_100k', n: 100_000, size: 'all-in', equity: 284.500762, trades: 1955 },
  { data: 'gbm_100k', n: 100_000, size: '1', equity: 9634.848758, trades: 1955 },
  { data: 'gbm_1m', n: 1_000_000, size: 'all-in', equity: 62.159909, trades: 3107 },
  { data: 'gbm_1m', n: 1_000_000, size: '1', equity: 6192.899729, trades: 19466 },
] as const;

let dir: string;
const bars: Record<string, BarColumns> = {};
const csv: Record<string, string> = {};


/** Like runCli, with room for a large report on stdout (19,466 trades). */
function runBig(args: readonly string[], home: string, cwd: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, '--home', home, ...args], { cwd, env: { ...process.env, CANDLEKEEP_HOME: '' }, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The table's values are rounded to 6 decimals: compare to a relative 1e-9 of the value itself. */
function expectEquity(actual: number, published: number): void {
  expect(Math.abs(actual - published)).toBeLessThanOrEqual(Math.max(5e-7, Math.abs(published) * 1e-9));
}

beforeAll(() => {
  dir = tempDir('ck-ref-');
  for (const [name, n] of [['gbm_100k', 100_000], ['gbm_1m', 1_000_000]] as const) {
    const out = path.join(dir, `${name}.csv`);
    const r = spawnSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', String(n), '--seed', '42', '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    csv[name] = out;
    bars[name] = readReferenceCsv(out);
  }
}, 120_000);

afterAll(() => rm(dir));

describe('the reference workload through runBacktest (public API, bars in memory)', () => {
  for (const row of TABLE) {
    it(`reproduces ${row.data} ${row.size === '1' ? 'fixed 1 unit' : 'all-in'}: equity ${row.equity}, ${row.trades} closed trades`, () => {
      const o = runBacktest({
        strategy: smaCross,
        params: { fast: 10, slow: 30, size: row.size },
        data: [{ key: { instrument: 'csv:GBM/USD', timeframe: '1m' }, bars: bars[row.data]!, hash: row.data }],
        cash: 10_000,
        feeRate: 0.001,
      });
      expect(o.stoppedEarly).toBeUndefined();
      expect(o.trades.length).toBe(row.trades);
      expectEquity(o.equity.equity[o.equity.equity.length - 1]!, row.equity);
    });
  }
});

describe('the reference workload through the CLI (bars in the SQLite store)', () => {
  let home: string;
  let cwd: string;
  beforeAll(() => {
    home = tempDir('ck-ref-home-');
    cwd = tempDir('ck-ref-cwd-');
    for (const name of ['gbm_100k', 'gbm_1m']) {
      const r = runCli(['data', 'import', csv[name]!, '--instrument', `csv:${name.toUpperCase().replace('_', '')}/USD`, '--timeframe', '1m'], { home });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, 120_000);
  afterAll(() => {
    rm(home);
    rm(cwd);
  });

  for (const row of TABLE) {
    it(`prints metrics.equityFinal ${row.equity} and metrics.tradeCount ${row.trades} for ${row.data} size=${row.size}`, () => {
      const r = runBig(
        ['backtest', '--strategy', 'sma-cross', '--instrument', `csv:${row.data.toUpperCase().replace('_', '')}/USD`, '--timeframe', '1m',
          '--cash', '10000', '--fee', '0.001', '--param', 'fast=10', '--param', 'slow=30', '--param', `size=${row.size}`, '--json'],
        home,
        cwd,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { metrics: { equityFinal: number; tradeCount: number }; runId: string };
      expect(report.metrics.tradeCount).toBe(row.trades);
      expectEquity(report.metrics.equityFinal, row.equity);
      expect(fs.existsSync(path.join(cwd, 'backtests/results', report.runId, 'report.json'))).toBe(true);
      expect(fs.existsSync(path.join(cwd, 'backtests/results', report.runId, 'trades.csv'))).toBe(true);
      expect(fs.existsSync(path.join(cwd, 'backtests/results', report.runId, 'report.html'))).toBe(true);
    }, 60_000);
  }

  it('writes a byte-identical report.json when the same backtest runs twice', () => {
    const args = ['backtest', '--strategy', 'sma-cross', '--instrument', 'csv:GBM100K/USD', '--timeframe', '1m', '--param', 'size=1', '--json'];
    const a = runCli(args, { home, cwd });
    const fileA = fs.readFileSync(path.join(cwd, 'backtests/results', (JSON.parse(a.stdout) as { runId: string }).runId, 'report.json'));
    const b = runCli(args, { home, cwd });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const fileB = fs.readFileSync(path.join(cwd, 'backtests/results', (JSON.parse(b.stdout) as { runId: string }).runId, 'report.json'));
    expect(fileB.equals(fileA)).toBe(true);
  }, 60_000);
});
