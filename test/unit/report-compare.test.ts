import { describe, expect, it } from 'vitest';
import { buildReport, compareRuns, renderComparison, type Report } from '../../engine/reports/index.js';
import type { ClosedTrade } from '../../engine/domain/index.js';
import { FILL_ASSUMPTIONS, SPEC, makeOutcome, type FixtureOptions } from './report-fixture.js';

const report = (o: FixtureOptions = {}): Report => {
  const { outcome } = makeOutcome(o);
  return buildReport({ outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS }).report;
};

describe('compareRuns', () => {
  it('finds nothing different between a run and itself', async () => {
    const a = report();
    const c = await compareRuns([a, a]);
    expect(c.paramDifferences).toEqual([]);
    expect(c.dataDifferences).toEqual([]);
    expect(c.trades[0]).toMatchObject({ matched: 10, onlyInA: [], onlyInB: [], differing: [] });
    expect(c.metrics.every((m) => m.deltas[0] === null)).toBe(true);
    expect(c.metrics.find((m) => m.key === 'equityFinal')!.deltas[1]).toBe(0);
  });

  it('computes each metric delta as the other run minus the first', async () => {
    const a = report();
    const b = report({ seed: 5 });
    const c = await compareRuns([a, b]);
    const eq = c.metrics.find((m) => m.key === 'equityFinal')!;
    expect(eq.values).toEqual([a.metrics.equityFinal, b.metrics.equityFinal]);
    expect(eq.deltas[1]).toBe(b.metrics.equityFinal - a.metrics.equityFinal);
  });

  it('pairs repeated trades with the same entry by their order and flags a changed size', async () => {
    const dup = (ts: ClosedTrade[]) => [ts[0]!, { ...ts[0]!, entryOrderId: 'second' }];
    const a = report({ editTrades: dup });
    const b = report({ editTrades: (ts) => { const [x, y] = dup(ts); return [x!, { ...y!, size: y!.size + 1 }]; } });
    const c = await compareRuns([a, b]);
    expect(c.trades[0]!.matched).toBe(1);
    expect(c.trades[0]!.differing).toHaveLength(1);
    expect(c.trades[0]!.differing[0]!.fields).toEqual({ size: [a.trades[1]!.size, a.trades[1]!.size + 1] });
  });

  it('lists all trades as one-sided when a run has none, with no delta for metrics it leaves undefined', async () => {
    const a = report();
    const b = report({ editTrades: () => [] });
    const c = await compareRuns([a, b]);
    expect(c.trades[0]).toMatchObject({ matched: 0, onlyInB: [], differing: [] });
    expect(c.trades[0]!.onlyInA).toHaveLength(10);
    // A metric undefined in one run has no delta.
    const win = c.metrics.find((m) => m.key === 'winRateFrac')!;
    expect(win.values).toEqual([a.metrics.winRateFrac, null]);
    expect(win.deltas).toEqual([null, null]);
  });

  it('reports a parameter present in only one run and a synthetic flag that differs', async () => {
    const a = report({ params: { fast: 10 } });
    const b = report({ params: { fast: 10, slow: 30 }, synthetic: true });
    const c = await compareRuns([a, b]);
    expect(c.paramDifferences).toEqual([{ name: 'slow', values: [null, 30] }]);
    expect(c.dataDifferences).toHaveLength(1);
    expect(c.dataDifferences[0]!.synthetic).toEqual([false, true]);
    const text = renderComparison(c);
    expect(text).toMatch(/^slow\s+\(absent\)\s+30$/m);
    expect(text).toContain('SYNTHETIC');
  });

  it('caps the listed trades in the text output', async () => {
    const a = report({ bars: 400, trades: 40 });
    const b = report({ bars: 400, trades: 40, editTrades: () => [] });
    const text = renderComparison(await compareRuns([a, b]), 3);
    expect(text).toContain('… 37 more (use --json for all)');
  });
});
