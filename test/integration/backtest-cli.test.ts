import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, rm, runCli, tempDir } from '../helpers/cli.js';

let home: string;
let cwd: string;
const SERIES = ['--instrument', 'synth:BTC/USDT', '--timeframe', '1h'];

beforeAll(() => {
  home = tempDir('ck-bt-home-');
  cwd = tempDir('ck-bt-cwd-');
  const r = runCli(['data', 'synth', ...SERIES, '--bars', '3000', '--seed', '3', '--start', '2024-01-01'], { home });
  expect(r.code).toBe(0);
}, 60_000);

afterAll(() => {
  rm(home);
  rm(cwd);
});

describe('candlekeep backtest', () => {
  it('runs a strategy by id, prints the summary and writes report.json, trades.csv and report.html', () => {
    const r = runCli(['backtest', '--strategy', 'macd-trend', ...SERIES], { home, cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SYNTHETIC DATA');
    const runId = /^Run\s+(\S+)$/m.exec(r.stdout)![1]!;
    for (const f of ['report.json', 'trades.csv', 'report.html']) expect(fs.existsSync(path.join(cwd, 'backtests/results', runId, f))).toBe(true);
  });

  it('runs a backtest spec file, flags overriding its fields', () => {
    const r = runCli(['backtest', path.join(ROOT, 'backtests/sma-cross-demo.json'), '--param', 'fast=10', '--json'], { home, cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { strategy: { params: Record<string, unknown> } };
    expect(report.strategy.params).toEqual({ fast: 10, slow: 50, size: 'all-in' });
  });

  it('gives the same report from the bundled CLI and from the compiled modules (CANDLEKEEP_NO_BUNDLE)', () => {
    const args = ['backtest', '--strategy', 'donchian-turtle', ...SERIES, '--json', '--no-html'];
    const bundled = runCli(args, { home, cwd });
    const modular = runCli(args, { home, cwd, env: { CANDLEKEEP_NO_BUNDLE: '1' } });
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(modular.code, modular.stderr).toBe(0);
    expect(bundled.stdout).toBe(modular.stdout);
    expect(JSON.parse(bundled.stdout).metrics.tradeCount).toBeGreaterThan(0);
    // A UserError thrown inside the shared strategy API (engine/api) is still one clean line from the bundle.
    const bad = runCli(['backtest', '--strategy', 'sma-cross', ...SERIES, '--param', 'fast=1'], { home, cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names the file and the field of a bad spec', () => {
    const spec = path.join(cwd, 'bad.json');
    fs.writeFileSync(spec, JSON.stringify({ strategy: 'sma-cross', instrument: 'synth:BTC/USDT', timeframe: '1h', cash: -5 }));
    const r = runCli(['backtest', spec], { home, cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^candlekeep: backtest spec ".*bad\.json": cash: Too small/);
  });

  it('suggests the closest strategy id for a typo', () => {
    const r = runCli(['backtest', '--strategy', 'sma-crosss', ...SERIES], { home, cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('candlekeep: unknown strategy "sma-crosss" — did you mean "sma-cross"?\n');
  });

  it('names the param and the bound when a param is out of bounds', () => {
    const r = runCli(['backtest', '--strategy', 'sma-cross', ...SERIES, '--param', 'fast=1'], { home, cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('candlekeep: param "fast": 1 is below the minimum 2\n');
  });

  it('points to data fetch / import / synth when the series is missing', () => {
    const r = runCli(['backtest', '--strategy', 'sma-cross', '--instrument', 'binance:ETH/USDT', '--timeframe', '1h'], { home, cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^candlekeep: no bars are stored for binance:ETH\/USDT 1h; get bars with `candlekeep data fetch .*`candlekeep data import .*`candlekeep data synth`/);
  });

  it('refuses an empty date range and a range without bars', () => {
    const a = runCli(['backtest', '--strategy', 'sma-cross', ...SERIES, '--from', '2024-02-01', '--to', '2024-01-01'], { home, cwd });
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('candlekeep: empty date range: --to (2024-01-01T00:00:00Z) must be after --from (2024-02-01T00:00:00Z)\n');
    const b = runCli(['backtest', '--strategy', 'sma-cross', ...SERIES, '--from', '2030-01-01'], { home, cwd });
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^candlekeep: no synth:BTC\/USDT 1h bars in 2030-01-01T00:00:00Z \.\. …; the store holds 2024-01-01T00:00:00Z \.\. /);
  });

  it('stops a strategy that throws, names it with the bar time, and flags the written results as partial', () => {
    const file = path.join(cwd, 'thrower.ts');
    fs.writeFileSync(
      file,
      `import { defineStrategy } from '../engine/api/index.js';
export default defineStrategy({ id: 'thrower', version: 1, params: {}, init: () => ({ n: 0 }),
  onBar(bar, s) { if (++s.n === 100) throw new Error('bad state'); } });
`,
    );
    const r = runCli(['backtest', '--strategy', file, ...SERIES], { home, cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PARTIAL RESULTS');
    expect(r.stderr).toMatch(/^results written to .* are PARTIAL\ncandlekeep: strategy "thrower" stopped at the synth:BTC\/USDT 1h bar of 2024-01-05T03:00:00Z: bad state \(partial results in /);
  });

  it('writes a strategy template with `new strategy` that backtests as is', () => {
    const dir = path.join(cwd, 'strategies');
    const w = runCli(['new', 'strategy', 'my-idea', '--dir', dir], { home, cwd });
    expect(w.code).toBe(0);
    const file = path.join(dir, 'my-idea.ts');
    expect(fs.readFileSync(file, 'utf8')).toContain("id: 'my-idea'");
    const again = runCli(['new', 'strategy', 'my-idea', '--dir', dir], { home, cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; choose another name or pass --force/);
    const bad = runCli(['new', 'strategy', 'My Idea', '--dir', dir], { home, cwd });
    expect(bad.code).toBe(1);
    const r = runCli(['backtest', '--strategy', file, ...SERIES, '--json', '--no-html'], { home, cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { strategy: { id: string } }).strategy.id).toBe('my-idea');
  });
});
