import { describe, expect, it, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildReport, computeMetrics, downsampleIndices, formatJson, readReport, renderHtml, renderSummary, resampleCandles, tradesCsv,
  writeRunArtifacts, MAX_EQUITY_POINTS, REPORT_SCHEMA_ID,
} from '../../engine/reports/index.js';
import { RunIndex } from '../../data/store/run-index.js';
import { UserError } from '../../engine/domain/index.js';
import { rm, tempDir } from '../helpers/cli.js';
import { FILL_ASSUMPTIONS, SPEC, makeOutcome } from './report-fixture.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rm));
const tmp = () => { const d = tempDir('ck-report-'); dirs.push(d); return d; };

const input = (o = makeOutcome()) => ({ outcome: o.outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS, primaryBars: o.bars });

describe('report.json', () => {
  it('is byte-identical for the same outcome, including the content-derived run id', () => {
    const a = buildReport(input());
    const b = buildReport(input());
    expect(a.json).toBe(b.json);
    expect(a.report.runId).toMatch(/^sma-cross-[0-9a-f]{12}$/);
    expect(JSON.parse(a.json).runId).toBe(a.report.runId);
  });

  it('gets a different run id when a parameter changes', () => {
    const a = buildReport(input(makeOutcome({ params: { fast: 10, slow: 30 } })));
    const b = buildReport(input(makeOutcome({ params: { fast: 11, slow: 30 } })));
    expect(a.report.runId).not.toBe(b.report.runId);
  });

  it('sorts the keys of user-supplied objects so their order does not matter', () => {
    const a = buildReport({ ...input(makeOutcome({ params: { fast: 10, slow: 30 } })), spec: { b: 1, a: { y: 2, x: 1 } } });
    const b = buildReport({ ...input(makeOutcome({ params: { slow: 30, fast: 10 } })), spec: { a: { x: 1, y: 2 }, b: 1 } });
    expect(a.json).toBe(b.json);
    expect(Object.keys(a.report.strategy.params)).toEqual(['fast', 'slow']);
  });

  it('holds the schema id, strategy ref, data hashes, fill assumptions, metrics, trades and counters', () => {
    const o = makeOutcome({ synthetic: true });
    const { report, json } = buildReport(input(o));
    const parsed = JSON.parse(json);
    expect(parsed.schema).toBe(REPORT_SCHEMA_ID);
    expect(parsed.strategy).toEqual({ id: 'sma-cross', version: 1, ref: 'sma-cross@1', params: { fast: 10, size: 'all-in', slow: 30 } });
    expect(parsed.data[0].hash).toBe('sha256:' + 'ab'.repeat(32));
    expect(parsed.synthetic).toBe(true);
    expect(parsed.fillAssumptions).toEqual({ intrabar: 'pessimistic', market: 'next bar open', slippageBps: 0 });
    expect(parsed.engine).toEqual({ name: 'candlekeep', version: '0.1.0' });
    expect(parsed.metrics).toEqual(JSON.parse(JSON.stringify(computeMetrics(o.outcome))));
    expect(parsed.metrics.tradeCount).toBe(10);
    expect(parsed.trades).toHaveLength(10);
    expect(parsed.counters.rejectedOrders).toBe(1);
    expect(parsed.partial).toBeNull();
    expect(report.equity.sampling).toBe('full');
    expect(parsed.equity.time).toHaveLength(200);
  });

  it('marks a run that stopped early as partial', () => {
    const o = makeOutcome();
    const { report } = buildReport(input({ ...o, outcome: { ...o.outcome, stoppedEarly: { reason: 'sma-cross threw: boom', at: 123 } } }));
    expect(report.partial).toEqual({ reason: 'sma-cross threw: boom', at: 123 });
    expect(renderSummary(report)).toContain('PARTIAL RESULTS');
  });

  it('validates against its own zod schema when read back', async () => {
    const d = tmp();
    const { json } = buildReport(input());
    fs.writeFileSync(path.join(d, 'report.json'), json);
    expect((await readReport(path.join(d, 'report.json'))).runId).toBe(JSON.parse(json).runId);
  });

  it('rejects a report with a wrong field, naming the file and the field', async () => {
    const d = tmp();
    const bad = JSON.parse(buildReport(input()).json);
    bad.metrics.equityFinal = 'lots';
    const f = path.join(d, 'report.json');
    fs.writeFileSync(f, JSON.stringify(bad));
    await expect(readReport(f)).rejects.toThrow(UserError);
    await expect(readReport(f)).rejects.toThrow(/report\.json.*metrics\.equityFinal/);
  });

  it('reads an older v1 report that lacks a metric, with that metric as null', async () => {
    const d = tmp();
    const old = JSON.parse(buildReport(input()).json);
    delete old.metrics.probabilisticSharpe;
    const f = path.join(d, 'report.json');
    fs.writeFileSync(f, JSON.stringify(old));
    expect((await readReport(f)).metrics.probabilisticSharpe).toBeNull();
  });

  it('serialises NaN, Infinity and −0 consistently', () => {
    expect(formatJson({ a: NaN, b: -0, c: Infinity, d: [1, -0, NaN], e: [{ x: -0 }] })).toBe(
      '{\n  "a": null,\n  "b": 0,\n  "c": null,\n  "d": [1,0,null],\n  "e": [\n    {"x":0}\n  ]\n}\n',
    );
  });
});

describe('equity downsampling', () => {
  it('keeps every point of a short curve', () => {
    expect([...downsampleIndices([3, 1, 2], 10)]).toEqual([0, 1, 2]);
  });

  it('keeps the first point and each bucket\'s low, high and last point', () => {
    // maxPoints 7 → 2 buckets of 5.
    const v = [5, 9, 1, 4, 6, 7, 2, 8, 3, 5];
    expect([...downsampleIndices(v, 7)]).toEqual([0, 1, 2, 4, 6, 7, 9]);
  });

  it('stores at most MAX_EQUITY_POINTS points of a long curve while metrics use the full curve', () => {
    const o = makeOutcome({ bars: 20_000, trades: 50 });
    const { report } = buildReport(input(o));
    expect(report.equity.sampling).toBe('last-min-max');
    expect(report.equity.sourcePoints).toBe(20_000);
    expect(report.equity.time.length).toBeLessThanOrEqual(MAX_EQUITY_POINTS);
    // One bucket per 3 points of budget: at least one point (the last) per bucket.
    expect(report.equity.bucketSize).toBe(Math.ceil(20_000 / Math.floor((MAX_EQUITY_POINTS - 1) / 3)));
    expect(report.equity.time.length).toBeGreaterThanOrEqual(Math.floor((MAX_EQUITY_POINTS - 1) / 3));
    // The deepest point and the peak survive, so drawdowns stay visible.
    const full = o.outcome.equity.equity;
    expect(Math.max(...report.equity.equity)).toBe(Math.max(...full));
    expect(Math.min(...report.equity.equity)).toBe(Math.min(...full));
    expect(report.equity.time.at(-1)).toBe(o.outcome.equity.time.at(-1));
    expect(report.metrics).toEqual(computeMetrics(o.outcome));
  });
});

describe('trades.csv', () => {
  it('has a header and one row per closed trade with ISO times', () => {
    const { report } = buildReport(input());
    const lines = tradesCsv(report.trades).trimEnd().split('\n');
    expect(lines[0]).toBe('instrument,direction,size,entryTime,entryTimeIso,entryPrice,exitTime,exitTimeIso,exitPrice,fees,pnl,returnFrac,durationMs,exitReason,entryOrderId,exitOrderId');
    expect(lines).toHaveLength(11);
    const t = report.trades[0]!;
    expect(lines[1]).toBe([
      'binance:BTC/USDT', 'long', t.size, t.entryTime, new Date(t.entryTime).toISOString(), t.entryPrice, t.exitTime,
      new Date(t.exitTime).toISOString(), t.exitPrice, t.fees, t.pnl, t.returnFrac, t.exitTime - t.entryTime, 'signal', 'A4-0-e', 'A4-0-x',
    ].join(','));
  });

  it('quotes cells holding commas or quotes', () => {
    const { report } = buildReport(input(makeOutcome({ editTrades: (ts) => [{ ...ts[0]!, exitReason: 'stop, "hard"' }] })));
    expect(tradesCsv(report.trades).split('\n')[1]).toContain(',"stop, ""hard""",');
  });
});

describe('renderSummary', () => {
  it('shows the run, strategy, data and backtesting.py-style metric labels with percent', () => {
    const { report } = buildReport(input());
    const s = renderSummary(report);
    expect(s).toContain(`Run                       ${report.runId}`);
    expect(s).toContain('sma-cross@1  fast=10 size=all-in slow=30');
    expect(s).toMatch(/Return \[%\]\s+-?\d+\.\d\d\n/);
    expect(s).toMatch(/# Trades\s+10\n/);
    expect(s).toContain('Probabilistic Sharpe [%]');
    expect(s).not.toContain('SYNTHETIC');
  });

  it('labels synthetic data', () => {
    expect(renderSummary(buildReport(input(makeOutcome({ synthetic: true }))).report)).toMatch(/^\*\*\* SYNTHETIC DATA/);
  });
});

describe('report.html', () => {
  it('is self-contained: inlines lightweight-charts and loads nothing from the network', () => {
    const o = makeOutcome({ synthetic: true });
    const { report } = buildReport(input(o));
    const html = renderHtml(report, o.bars);
    expect(html).toContain('TradingView Lightweight Charts');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('SYNTHETIC DATA');
    expect(html).toContain('<title>SYNTHETIC — sma-cross@1');
    expect(html).toContain('createSeriesMarkers');
    expect(html).toContain('<th>Sharpe Ratio</th>');
  });

  it('merges long bar series into at most 5,000 candles', () => {
    const o = makeOutcome({ bars: 12_001, trades: 5 });
    const c = resampleCandles(o.bars);
    expect(c).toHaveLength(4001); // 3 bars per candle
    expect(c[0]).toEqual({
      time: o.bars.openTime[0]! / 1000, open: o.bars.open[0], close: o.bars.close[2],
      high: Math.max(o.bars.high[0]!, o.bars.high[1]!, o.bars.high[2]!), low: Math.min(o.bars.low[0]!, o.bars.low[1]!, o.bars.low[2]!),
    });
  });
});

describe('writeRunArtifacts', () => {
  it('writes report.json, trades.csv and report.html under <results>/<run-id>/ and indexes the run', () => {
    const home = tmp();
    const results = path.join(home, 'results');
    const db = path.join(home, 'market.db');
    const w = writeRunArtifacts(input(), { resultsDir: results, marketDb: db, createdAt: 1_700_000_000_000 });
    expect(w.dir).toBe(path.join(results, w.runId));
    expect(fs.readdirSync(w.dir).sort()).toEqual(['report.html', 'report.json', 'trades.csv']);
    expect(fs.readFileSync(w.reportJson, 'utf8')).toBe(w.json);
    expect(fs.readdirSync(results)).toEqual([w.runId]); // no temp folder left behind
    const idx = RunIndex.open(db);
    try {
      const r = idx.get(w.runId)!;
      expect(r).toMatchObject({
        runId: w.runId, kind: 'backtest', strategyId: 'sma-cross', strategyVersion: 1, params: { fast: 10, size: 'all-in', slow: 30 },
        instruments: ['binance:BTC/USDT'], timeframes: ['1h'], dataHash: 'sha256:' + 'ab'.repeat(32), synthetic: false,
        path: w.dir, parentRunId: null, createdAt: 1_700_000_000_000,
      });
      expect(r.metrics.tradeCount).toBe(10);
      expect(r.metrics.equityFinal).toBe(w.report.metrics.equityFinal);
    } finally {
      idx.close();
    }
  });

  it('replaces the folder and the index row when the same run is written again', () => {
    const home = tmp();
    const opts = { resultsDir: path.join(home, 'r'), marketDb: path.join(home, 'market.db') };
    const a = writeRunArtifacts(input(), { ...opts, createdAt: 1 });
    const b = writeRunArtifacts(input(), { ...opts, createdAt: 2 });
    expect(b.runId).toBe(a.runId);
    const idx = RunIndex.open(opts.marketDb);
    try {
      expect(idx.list()).toHaveLength(1);
      expect(idx.get(a.runId)!.createdAt).toBe(2);
    } finally {
      idx.close();
    }
  });

  it('skips report.html when asked', () => {
    const home = tmp();
    const w = writeRunArtifacts(input(), { resultsDir: path.join(home, 'r'), marketDb: path.join(home, 'm.db'), html: false });
    expect(w.reportHtml).toBeNull();
    expect(fs.readdirSync(w.dir).sort()).toEqual(['report.json', 'trades.csv']);
  });
});

describe('trades.csv times', () => {
  it('formats entry and exit times exactly like Date#toISOString', () => {
    const times = [0, 1, 999, 59_999, 86_399_999, Date.UTC(2024, 1, 29, 23, 59, 59, 7), Date.UTC(1999, 11, 31, 0, 0, 0, 450), -1, -86_400_001, 1_704_091_440_000];
    const { report } = buildReport(input(makeOutcome({
      editTrades: (ts) => times.map((t, i) => ({ ...ts[0]!, entryTime: t, exitTime: t + i * 3_723_004 })),
    })));
    const rows = tradesCsv(report.trades).trimEnd().split('\n').slice(1).map((l) => l.split(','));
    rows.forEach((r, i) => {
      expect(r[4]).toBe(new Date(times[i]!).toISOString());
      expect(r[7]).toBe(new Date(times[i]! + i * 3_723_004).toISOString());
    });
  });
});
