import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, runCli, tempDir } from '../helpers/cli.js';

let home: string;
let cwd: string;
let strategy: string;
const I = 'synth:BTC/USDT';

type Report = {
  counters: { ambiguousFills: number; resolvedIntrabarFills?: number; fills: number };
  fillAssumptions: Record<string, unknown>;
  metrics: { tradeCount: number };
  trades: { exitReason: string }[];
};

beforeAll(() => {
  home = tempDir('ck-finer-home-');
  cwd = tempDir('ck-finer-cwd-');
  expect(runCli(['data', 'synth', '--instrument', I, '--timeframe', '1m', '--bars', '30000', '--seed', '11', '--start', '2024-01-01'], { home }).code).toBe(0);
  expect(runCli(['data', 'resample', '--instrument', I, '--from', '1m', '--to', '1h'], { home }).code).toBe(0);
  // Tight brackets on hourly bars: many hours touch both the stop and the target.
  strategy = path.join(cwd, 'bracket.ts');
  fs.writeFileSync(
    strategy,
    `import { defineStrategy } from '../engine/api/index.js';
export default defineStrategy({ id: 'bracket', version: 1, params: {}, init: () => ({}),
  onBar(bar, _s, ctx) {
    if (ctx.position().isFlat && ctx.openOrders.length === 0)
      ctx.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: bar.close * 0.997, takeProfit: bar.close * 1.003 });
  } });
`,
  );
}, 120_000);

afterAll(() => {
  rm(home);
  rm(cwd);
});

function backtest(extra: string[]): { code: number; stderr: string; report?: Report } {
  const r = runCli(['backtest', '--strategy', strategy, '--instrument', I, '--timeframe', '1h', '--json', '--no-html', ...extra], { home, cwd });
  return { code: r.code, stderr: r.stderr, ...(r.code === 0 ? { report: JSON.parse(r.stdout) as Report } : {}) };
}

describe('backtest --intrabar-timeframe', () => {
  it('decides hours that touched both legs with the stored minute bars, and counts them', () => {
    const coarse = backtest([]).report!;
    const fine = backtest(['--intrabar-timeframe', '1m']).report!;
    expect(coarse.counters.ambiguousFills).toBeGreaterThan(10);
    expect(coarse.counters.resolvedIntrabarFills).toBeUndefined();
    expect(coarse.fillAssumptions.intrabarBars).toBeUndefined();
    expect(fine.fillAssumptions.intrabarBars).toBe(`${I} 1m`);
    // Minute bars are exact here (the hours were resampled from them): every ambiguous hour is decided.
    expect(fine.counters.ambiguousFills).toBe(0);
    expect(fine.counters.resolvedIntrabarFills).toBeGreaterThan(10);
    // Pessimism cost the coarse run some targets the minute bars reached first.
    const targets = (r: Report) => r.trades.filter((t) => t.exitReason === 'take-profit').length;
    expect(targets(fine)).toBeGreaterThan(targets(coarse));
  });

  it('names the missing series and how to get it when the finer bars are not stored', () => {
    const r = backtest(['--intrabar-timeframe', '5m']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^candlekeep: no bars are stored for synth:BTC\/USDT 5m; get bars with/);
  });

  it('refuses finer bars that are not finer than the run', () => {
    const r = backtest(['--intrabar-timeframe', '1h']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^candlekeep: finer bars must be finer than the run's synth:BTC\/USDT 1h bars, got 1h/);
  });
});
