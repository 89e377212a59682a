import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import {
  ReportHelper, buildReport, computeMetrics, marketLogReturns, renderHtml, writeRunArtifacts, writeRunArtifactsWith,
} from '../../engine/reports/index.js';
import { ROOT, rm, tempDir } from '../helpers/cli.js';
import { FILL_ASSUMPTIONS, SPEC, makeOutcome } from './report-fixture.js';

/** The compiled worker (npm test builds dist/ first). */
const WORKER = path.join(ROOT, 'dist/engine/reports/report-worker.js');

const dirs: string[] = [];
afterAll(() => dirs.forEach(rm));
const tmp = () => {
  const d = tempDir('ck-helper-');
  dirs.push(d);
  return d;
};

function sharedCopy(b: BarColumns): BarColumns {
  const c = allocBarColumns(b.length, { shared: true });
  for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) c[k].set(b[k]);
  return c;
}

describe('market log returns (beta input)', () => {
  it('are ln(close[i] / close[i-1]) with their mean and sum of squared deviations', () => {
    const close = new Float64Array([100, 110, 99, 99, 120]);
    const r = marketLogReturns(close);
    const y = [1, 2, 3, 4].map((i) => Math.log(close[i]! / close[i - 1]!));
    expect([...r.y]).toEqual(y);
    const mean = y.reduce((a, b) => a + b) / 4;
    expect(r.mean).toBeCloseTo(mean, 15);
    expect(r.m2).toBeCloseTo(y.reduce((a, v) => a + (v - mean) ** 2, 0), 15);
  });

  it('give the same beta whether precomputed or computed with the metrics', () => {
    const { outcome } = makeOutcome({ bars: 500, trades: 20 });
    const a = computeMetrics(outcome);
    const b = computeMetrics(outcome, marketLogReturns(outcome.benchmark.close));
    expect(b.beta).toBe(a.beta);
    expect(b.alphaFrac).toBe(a.alphaFrac);
  });

  it('are ignored when they do not cover the equity curve (a run that stopped early)', () => {
    const { outcome } = makeOutcome({ bars: 300, trades: 10 });
    const short = { ...outcome, equity: { ...outcome.equity, equity: outcome.equity.equity.subarray(0, 150), time: outcome.equity.time.subarray(0, 150) } };
    const m = computeMetrics(short, marketLogReturns(outcome.benchmark.close));
    expect(m.beta).toBe(computeMetrics(short).beta);
  });
});

describe('report helper thread', () => {
  it('computes the market returns on the helper thread, equal to the in-thread ones', async () => {
    const { outcome, bars } = makeOutcome({ bars: 2000, trades: 30 });
    const shared = sharedCopy(bars);
    const h = ReportHelper.start(WORKER);
    try {
      h.prepare(shared);
      const r = await h.marketReturns(shared.close);
      expect(r).toBeDefined();
      const local = marketLogReturns(bars.close);
      expect(r!.mean).toBe(local.mean);
      expect(r!.m2).toBe(local.m2);
      expect([...r!.y]).toEqual([...local.y]);
      // Not the bars it was given: nothing precomputed.
      expect(await h.marketReturns(bars.close)).toBeUndefined();
      expect(computeMetrics(outcome, r).beta).toBe(computeMetrics(outcome).beta);
    } finally {
      await h.close();
    }
  });

  it('writes the same report.html, report.json and trades.csv as the single-threaded writer', async () => {
    const { outcome, bars } = makeOutcome({ bars: 3000, trades: 150 });
    const shared = sharedCopy(bars);
    const input = { outcome: { ...outcome, benchmark: { ...outcome.benchmark, close: shared.close } }, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS, primaryBars: shared };
    const h = ReportHelper.start(WORKER);
    const d1 = tmp(), d2 = tmp();
    try {
      h.prepare(shared);
      const market = await h.marketReturns(shared.close);
      const a = await writeRunArtifactsWith(h, { ...input, ...(market ? { marketReturns: market } : {}) }, { resultsDir: path.join(d1, 'r'), marketDb: path.join(d1, 'm.db'), createdAt: 1 });
      const b = writeRunArtifacts({ ...input, primaryBars: bars }, { resultsDir: path.join(d2, 'r'), marketDb: path.join(d2, 'm.db'), createdAt: 1 });
      expect(a.runId).toBe(b.runId);
      for (const f of ['report.json', 'trades.csv', 'report.html']) {
        expect(fs.readFileSync(path.join(a.dir, f)).equals(fs.readFileSync(path.join(b.dir, f))), f).toBe(true);
      }
      expect(fs.readFileSync(path.join(a.dir, 'report.html'), 'utf8')).toBe(renderHtml(buildReport({ ...input, primaryBars: bars }).report, bars));
      expect(fs.readdirSync(path.join(d1, 'r'))).toEqual([a.runId]); // no temporary folder left
    } finally {
      await h.close();
    }
  });

  it('works in-thread when the worker file is missing, with the same files', async () => {
    const { outcome, bars } = makeOutcome({ bars: 500, trades: 12 });
    const shared = sharedCopy(bars);
    const input = { outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS, primaryBars: shared };
    const h = ReportHelper.start(path.join(tmp(), 'no-such-worker.js'));
    const d1 = tmp(), d2 = tmp();
    h.prepare(shared);
    expect(await h.marketReturns(shared.close)).toBeUndefined();
    const a = await writeRunArtifactsWith(h, input, { resultsDir: path.join(d1, 'r'), marketDb: path.join(d1, 'm.db'), createdAt: 1 });
    const b = writeRunArtifacts(input, { resultsDir: path.join(d2, 'r'), marketDb: path.join(d2, 'm.db'), createdAt: 1 });
    for (const f of ['report.json', 'trades.csv', 'report.html']) {
      expect(fs.readFileSync(path.join(a.dir, f)).equals(fs.readFileSync(path.join(b.dir, f))), f).toBe(true);
    }
    await h.close();
  });

  it('writes report.html itself once the helper thread is gone', async () => {
    const { outcome, bars } = makeOutcome({ bars: 400, trades: 8 });
    const shared = sharedCopy(bars);
    const h = ReportHelper.start(WORKER);
    h.prepare(shared);
    await h.marketReturns(shared.close);
    await h.close();
    const report = buildReport({ outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS }).report;
    const file = path.join(tmp(), 'report.html');
    await h.writeHtml(report, shared, file);
    expect(fs.readFileSync(file, 'utf8')).toBe(renderHtml(report, bars));
  });

  it('passes a file-system error on (nothing written)', async () => {
    const { outcome, bars } = makeOutcome({ bars: 400, trades: 8 });
    const shared = sharedCopy(bars);
    const h = ReportHelper.start(WORKER);
    try {
      h.prepare(shared);
      await h.marketReturns(shared.close);
      const file = path.join(tmp(), 'missing', 'report.html');
      const report = buildReport({ outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS }).report;
      await expect(h.writeHtml(report, shared, file)).rejects.toThrow(/ENOENT/);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      await h.close();
    }
  });
});
