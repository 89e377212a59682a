/**
 * Indicator kernels: updates per second over 1M bars through the Indicator contract (`next(o,h,l,c,v)`,
 * the engine's hot path), against technicalindicators' streaming `nextValue` for the same indicator.
 * Target: ≥ 30M updates/s for SMA, EMA and RSI.
 */
import { createRequire } from 'node:module';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import type { Indicator } from '../../engine/api/indicator.js';
import * as I from '../../engine/api/indicators/index.js';

export const name = 'indicators';

const N = 1_000_000;

/** Deterministic random walk (LCG), 1M bars. */
function syntheticBars(n: number): BarColumns {
  const cols = allocBarColumns(n);
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  let c = 30_000;
  for (let i = 0; i < n; i++) {
    const o = c;
    c = o * (1 + (u() - 0.5) * 0.004);
    cols.openTime[i] = i * 60_000;
    cols.open[i] = o;
    cols.high[i] = Math.max(o, c) * (1 + u() * 0.001);
    cols.low[i] = Math.min(o, c) * (1 - u() * 0.001);
    cols.close[i] = c;
    cols.volume[i] = 1 + u() * 100;
  }
  return cols;
}

/**
 * The machine is shared (load average well above the core count), so wall time mostly measures
 * waiting: rates are bars per CPU-second of this process (process.cpuUsage; the worker is the only
 * busy thread), best of several passes.
 */
function cpuSeconds(fn: () => void): number {
  const u0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1e6;
}

function timeKernel(ind: Indicator, bars: BarColumns): number {
  const { open, high, low, close, volume } = bars;
  const n = bars.length;
  let sink = 0;
  // warm the JIT on a prefix, then measure a full pass from a fresh state
  for (let i = 0; i < 200_000; i++) sink += ind.next(open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!) || 0;
  ind.reset();
  const s = cpuSeconds(() => {
    for (let i = 0; i < n; i++) sink += ind.next(open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!) || 0;
  });
  if (sink === 42) console.log('');
  return n / s;
}

type Ti = typeof import('technicalindicators');
type Streamer = { nextValue(x: never): unknown };

function timeLibrary(make: () => Streamer, input: 'close' | 'candle', bars: BarColumns): number {
  const { open, high, low, close, volume } = bars;
  const n = bars.length;
  let lib = make();
  let next = lib.nextValue.bind(lib) as (x: unknown) => unknown;
  let count = 0;
  const feed = (i: number) => (input === 'close' ? next(close[i]) : next({ open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i] }));
  for (let i = 0; i < 100_000; i++) if (feed(i) !== undefined) count++;
  lib = make();
  next = lib.nextValue.bind(lib) as (x: unknown) => unknown;
  const s = cpuSeconds(() => {
    for (let i = 0; i < n; i++) if (feed(i) !== undefined) count++;
  });
  if (count === 42) console.log('');
  return n / s;
}

const fmt = (r: number) => `${(r / 1e6).toFixed(1)}M/s`;

type Row = { label: string; make: () => Indicator; lib?: () => Streamer; input: 'close' | 'candle'; target?: number };

function rows(ti: Ti): Row[] {
  const nf = { format: (v: number) => v };
  const e = { open: [], high: [], low: [], close: [], volume: [], values: [], ...nf };
  return [
    { label: 'sma(20)', make: () => I.sma(20), lib: () => new ti.SMA({ period: 20, values: [], ...nf }), input: 'close', target: 30e6 },
    { label: 'ema(20)', make: () => I.ema(20), lib: () => new ti.EMA({ period: 20, values: [], ...nf }), input: 'close', target: 30e6 },
    { label: 'rsi(14)', make: () => I.rsi(14), lib: () => new ti.RSI({ period: 14, values: [], ...nf }), input: 'close', target: 30e6 },
    { label: 'wma(20)', make: () => I.wma(20), lib: () => new ti.WMA({ period: 20, values: [], ...nf }), input: 'close' },
    { label: 'macd(12,26,9)', make: () => I.macd(12, 26, 9), lib: () => new ti.MACD({ fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false, values: [], ...nf }), input: 'close' },
    { label: 'bollinger(20,2)', make: () => I.bollinger(20, 2), lib: () => new ti.BollingerBands({ period: 20, stdDev: 2, values: [], ...nf }), input: 'close' },
    { label: 'stddev(20)', make: () => I.stddev(20), lib: () => new ti.SD({ period: 20, values: [], ...nf }), input: 'close' },
    { label: 'atr(14)', make: () => I.atr(14), lib: () => new ti.ATR({ period: 14, ...e }), input: 'candle' },
    { label: 'stochastic(14,3)', make: () => I.stochastic(14, 3), lib: () => new ti.Stochastic({ period: 14, signalPeriod: 3, ...e }), input: 'candle' },
    { label: 'adx(14)', make: () => I.adx(14), lib: () => new ti.ADX({ period: 14, ...e }), input: 'candle' },
    { label: 'cci(20)', make: () => I.cci(20), lib: () => new ti.CCI({ period: 20, ...e }), input: 'candle' },
    { label: 'williamsR(14)', make: () => I.williamsR(14), lib: () => new ti.WilliamsR({ period: 14, ...e }), input: 'candle' },
    { label: 'mfi(14)', make: () => I.mfi(14), lib: () => new ti.MFI({ period: 14, ...e }), input: 'candle' },
    { label: 'obv', make: () => I.obv(), lib: () => new ti.OBV({ ...e }), input: 'candle' },
    { label: 'ad', make: () => I.ad(), lib: () => new ti.ADL({ ...e }), input: 'candle' },
    { label: 'roc(10)', make: () => I.roc(10), lib: () => new ti.ROC({ period: 10, values: [], ...nf }), input: 'close' },
    { label: 'donchian(20)', make: () => I.donchian(20), input: 'candle' },
    { label: 'highest(20)', make: () => I.highest(20), lib: () => new ti.Highest({ period: 20, values: [], ...nf }), input: 'close' },
    { label: 'ta("trix", 18) via technicalindicators', make: () => I.ta('trix', { period: 18 }), input: 'close' },
  ];
}

const loadTi = (): Ti => createRequire(import.meta.url)('technicalindicators') as Ti;

/**
 * Measures one row (run inside its own worker, so every call site sees one indicator class, as in a
 * strategy's loop): best of 5 passes over 1M bars, ours and the library's.
 */
export function measureRow(index: number): { label: string; ours: number; theirs: number; target: number } {
  const row = rows(loadTi())[index]!;
  const bars = syntheticBars(N);
  let ours = 0;
  let theirs = NaN;
  for (let rep = 0; rep < 5; rep++) ours = Math.max(ours, timeKernel(row.make(), bars));
  if (row.lib) {
    theirs = 0;
    for (let rep = 0; rep < 2; rep++) theirs = Math.max(theirs, timeLibrary(row.lib, row.input, bars));
  }
  return { label: row.label, ours, theirs, target: row.target ?? NaN };
}

export async function run(): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  const os = await import('node:os');
  const count = rows(loadTi()).length;
  console.log(`  ${N.toLocaleString('en-US')} bars; updates per CPU-second through Indicator.next, best of 5 passes, one worker per kernel (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs)`);
  const selfUrl = import.meta.url;
  const code = `const { workerData, parentPort } = require('node:worker_threads');
import(workerData.url).then((m) => parentPort.postMessage(m.measureRow(workerData.index)));`;
  for (let index = 0; index < count; index++) {
    const r = await new Promise<ReturnType<typeof measureRow>>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { url: selfUrl, index } });
      w.once('message', (m: ReturnType<typeof measureRow>) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    const tgt = Number.isNaN(r.target) ? '' : `target ≥ ${fmt(r.target)}${r.ours >= r.target ? ', met' : ', MISSED'}; `;
    const cmp = Number.isNaN(r.theirs) ? 'no technicalindicators counterpart' : `technicalindicators nextValue ${fmt(r.theirs)}, ours ×${(r.ours / r.theirs).toFixed(1)}`;
    console.log(`  ${r.label}: ${fmt(r.ours)}  (${tgt}${cmp})`);
  }
  const bars = syntheticBars(N);
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) best = Math.min(best, cpuSeconds(() => I.computeSeries(() => I.sma(20), bars)) * 1000);
  console.log(`  computeSeries(sma(20)) over 1M bars: ${best.toFixed(1)} ms CPU (${fmt(N / (best / 1000))})`);
}
