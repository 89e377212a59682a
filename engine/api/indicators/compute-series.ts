import type { BarColumns } from '../../domain/bar.js';
import type { Indicator, Series } from '../indicator.js';
import type { MultiOutput } from './base.js';

/** An indicator, or a factory for one (`() => sma(20)`). A given instance is reset first. */
export type IndicatorSource = Indicator | (() => Indicator);

function instantiate(source: IndicatorSource): Indicator {
  if (typeof source === 'function') return source();
  source.reset();
  return source;
}

/**
 * Runs an indicator over a whole series with the same streaming kernel the engine uses bar by bar,
 * so a precomputed column equals what a strategy would have seen: out[i] is the value after bar i
 * (NaN during warm-up). Returns the primary output.
 */
export function computeSeries(source: IndicatorSource, bars: BarColumns): Float64Array {
  const ind = instantiate(source);
  const n = bars.length;
  const out = new Float64Array(n);
  const { open, high, low, close, volume } = bars;
  for (let i = 0; i < n; i++) out[i] = ind.next(open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!);
  return out;
}

/** The output field names of an indicator: its `outputs` for multi-output ones, else `['value']`. */
export function outputNames(ind: Indicator): readonly string[] {
  const outputs = (ind as Partial<MultiOutput>).outputs;
  return Array.isArray(outputs) ? outputs : ['value'];
}

/**
 * Like computeSeries, one Float64Array per output (`{ macd, signal, histogram }` for MACD,
 * `{ value }` for a single-output indicator).
 */
export function computeOutputs(source: IndicatorSource, bars: BarColumns): Record<string, Float64Array> {
  const ind = instantiate(source);
  const names = outputNames(ind);
  const n = bars.length;
  const series: Series[] = names.map((name) => (name === 'value' ? ind : (ind as unknown as Record<string, Series>)[name]!));
  const arrays = names.map(() => new Float64Array(n));
  const { open, high, low, close, volume } = bars;
  for (let i = 0; i < n; i++) {
    ind.next(open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!);
    for (let j = 0; j < series.length; j++) arrays[j]![i] = series[j]!.value;
  }
  const result: Record<string, Float64Array> = {};
  names.forEach((name, j) => (result[name] = arrays[j]!));
  return result;
}
