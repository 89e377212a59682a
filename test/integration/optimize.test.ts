import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, rm, SHARED, tempDir } from '../helpers/cli.js';

// The compiled module (what the CLI ships), so strategies resolve from dist/ as they do for users.
type OptimizeModule = typeof import('../../engine/app/run-optimize.js');
const load = () => import(path.join(ROOT, 'dist/engine/app/run-optimize.js')) as Promise<OptimizeModule>;

const INSTR = 'synth:GBM/USD';
let dir: string;
let home: string;

beforeAll(() => {
  dir = tempDir('ck-opt-');
  home = path.join(dir, 'home');
  const csv = path.join(dir, 'gbm.csv');
  execFileSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', '6000', '--seed', '3', '--out', csv]);
  const r = runCli(['data', 'import', csv, '--instrument', INSTR, '--timeframe', '1m'], { home });
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rm(dir));

const base = ['--strategy', 'sma-cross', '--instrument', INSTR, '--timeframe', '1m', '--grid', 'fast=4:12:4', '--grid', 'slow=15:45:15', '--objective', 'return', '--no-html'];

type Json = {
  runId: string; candidates: number; completed: number; resumed: number; gridSize: number; rejectedByConstraint: number; interrupted: boolean;
  trials: { index: number; rank: number; params: Record<string, unknown>; objective: number | null; metrics: { equityFinal: number; tradeCount: number } | null }[];
  best: { params: Record<string, unknown> } | null;
  overfitting: { deflatedSharpe: { dsr: number } | null; pbo: { pbo: number } | null };
};

describe('candlekeep optimize', () => {
  let one: Json;
  it('runs every grid point that satisfies the constraints and ranks them by the objective', () => {
    const r = runCli(['optimize', ...base, '--constraint', 'fast*3<slow', '--workers', '1', '--json'], { home, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    one = JSON.parse(r.stdout) as Json;
    expect(one.gridSize).toBe(9);
    // fast*3 < slow drops (fast 8, slow 15), (12, 15), (12, 30)... : 4*3<15 ok, 8*3<15 no, 12*3<15 no, 8*3<30 ok, 12*3<30 no, all of slow 45 ok
    expect(one.rejectedByConstraint).toBe(3);
    expect(one.candidates).toBe(6);
    expect(one.trials.map((t) => t.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    const objectives = one.trials.map((t) => t.objective!);
    expect([...objectives].sort((a, b) => b - a)).toEqual(objectives);
    expect(one.best!.params).toEqual(one.trials[0]!.params);
    expect(one.overfitting.deflatedSharpe!.dsr).toBeGreaterThanOrEqual(0);
    expect(one.overfitting.pbo!.pbo).toBeGreaterThanOrEqual(0);
  });

  it('gives the same results whatever the number of workers', () => {
    const r = runCli(['optimize', ...base, '--constraint', 'fast*3<slow', '--workers', '2', '--json'], { home, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const two = JSON.parse(r.stdout) as Json;
    // Same spec → same run id: the second call finds every trial stored already.
    expect(two.runId).toBe(one.runId);
    expect(two.resumed).toBe(6);
    const fresh = runCli(['optimize', ...base, '--constraint', 'fast*3<slow', '--workers', '2', '--param', 'size=all-in', '--json'], { home, cwd: dir });
    expect(fresh.code, fresh.stderr).toBe(0);
    const f = JSON.parse(fresh.stdout) as Json;
    expect(f.runId).not.toBe(one.runId);
    expect(f.resumed).toBe(0);
    expect(f.trials.map((t) => [t.params, t.objective, t.metrics])).toEqual(one.trials.map((t) => [t.params, t.objective, t.metrics]));
  });

  it('scores a trial exactly like a plain backtest of the same params', () => {
    const t = one.trials.find((x) => x.params.fast === 4 && x.params.slow === 30)!;
    const r = runCli(['backtest', '--strategy', 'sma-cross', '--instrument', INSTR, '--timeframe', '1m', '--param', 'fast=4', '--param', 'slow=30', '--no-html', '--json'], { home, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as { metrics: { equityFinal: number; tradeCount: number } };
    expect(t.metrics!.equityFinal).toBe(rep.metrics.equityFinal);
    expect(t.metrics!.tradeCount).toBe(rep.metrics.tradeCount);
  });

  it('indexes the run so report list, show and compare accept it', () => {
    const list = runCli(['report', 'list', '--json'], { home, cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    const runs = JSON.parse(list.stdout) as { runId: string; kind: string }[];
    expect(runs.some((x) => x.runId === one.runId && x.kind === 'optimisation')).toBe(true);
    const backtestRun = runs.find((x) => x.kind === 'backtest')!;
    const cmp = runCli(['report', 'compare', one.runId, backtestRun.runId], { home, cwd: dir });
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'backtests/results', one.runId, 'research.json'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'backtests/results', one.runId, 'trials.csv'), 'utf8').split('\n')[0]).toMatch(/^rank,index,fast,slow,size,objective,/);
  });

  it('refuses a constraint on an unknown param and a grid outside the declared bounds', () => {
    const a = runCli(['optimize', ...base, '--constraint', 'fast<slwo'], { home, cwd: dir });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('unknown param "slwo"');
    const b = runCli(['optimize', '--strategy', 'sma-cross', '--instrument', INSTR, '--timeframe', '1m', '--grid', 'fast=1:5:1'], { home, cwd: dir });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('param "fast": 1 is below the minimum 2');
    expect(b.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps finished trials when interrupted and resumes the same run', async () => {
    const { runOptimization } = await load();
    const ac = new AbortController();
    const spec = { strategy: 'sma-cross', instrument: INSTR, timeframe: '1m', grid: ['fast=2:10:1', 'slow=20:30:5'], objective: 'sharpe', cash: 10_000, fee: 0.001 };
    let batches = 0;
    const first = await runOptimization(spec, {
      home, resultsDir: path.join(dir, 'res'), workers: 0, html: false, signal: ac.signal,
      progress: { start() {}, update() { if (++batches === 1) ac.abort(); }, stop() {} },
    });
    expect(first.interrupted).toBe(true);
    expect(first.completed).toBeGreaterThan(0);
    expect(first.completed).toBeLessThan(first.candidates);
    const second = await runOptimization(spec, { home, resultsDir: path.join(dir, 'res'), workers: 0, html: false });
    expect(second.interrupted).toBe(false);
    expect(second.resumed).toBe(first.completed);
    expect(second.completed).toBe(second.candidates);
  });
});

describe('candlekeep walkforward', () => {
  it('optimises each in-sample window, trades the winner out of sample and stitches the equity', () => {
    const r = runCli(['walkforward', ...base, '--in-sample', '2000', '--out-of-sample', '1000', '--workers', '2', '--json'], { home, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const wf = JSON.parse(r.stdout) as {
      windows: { oosBars: number; isBars: number; params: Record<string, unknown>; oosReturnFrac: number }[];
      oos: { returnFrac: number }; oosEquity: { equity: number[] };
    };
    expect(wf.windows.map((w) => [w.isBars, w.oosBars])).toEqual([[2000, 1000], [2000, 1000], [2000, 1000], [2000, 1000]]);
    expect(wf.oosEquity.equity.length).toBe(4000);
    expect(wf.oosEquity.equity[0]).toBeGreaterThan(0);
    // The stitched return compounds the window returns.
    const compounded = wf.windows.reduce((g, w) => g * (1 + w.oosReturnFrac), 1) - 1;
    expect(wf.oos.returnFrac).toBeCloseTo(compounded, 9);
  });
  it('anchors the in-sample window at the first bar', () => {
    const r = runCli(['walkforward', ...base, '--in-sample', '2000', '--out-of-sample', '2000', '--mode', 'anchored', '--workers', '0', '--json'], { home, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const wf = JSON.parse(r.stdout) as { windows: { isBars: number }[] };
    expect(wf.windows.map((w) => w.isBars)).toEqual([2000, 4000]);
  });
});
