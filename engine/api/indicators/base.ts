import { UserError } from '../../domain/errors.js';
import type { Indicator, PriceSource, Series } from '../indicator.js';

/** The largest period any kernel accepts (TA-Lib's bound). */
export const MAX_PERIOD = 100_000;

/** Throws a UserError naming the indicator, the argument and the bound when `value` is not an integer in [min, MAX_PERIOD]. */
export function requirePeriod(indicator: string, arg: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_PERIOD) {
    throw new UserError(`${indicator}: ${arg} must be an integer from ${min} to ${MAX_PERIOD}, got ${formatArg(value)}`);
  }
  return value;
}

/** Throws a UserError when `value` is not a finite number ≥ min. */
export function requireFinite(indicator: string, arg: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new UserError(`${indicator}: ${arg} must be a finite number ≥ ${min}, got ${formatArg(value)}`);
  }
  return value;
}

function formatArg(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : String(v);
}

export const PRICE_SOURCES = ['open', 'high', 'low', 'close', 'volume', 'hl2', 'hlc3', 'ohlc4'] as const satisfies readonly PriceSource[];

/** Source codes, so the hot path switches on a small integer. */
const SOURCE_CODE = { open: 0, high: 1, low: 2, close: 3, volume: 4, hl2: 5, hlc3: 6, ohlc4: 7 } as const satisfies Record<PriceSource, number>;

export function requireSource(indicator: string, source: unknown): number {
  if (typeof source !== 'string' || !(source in SOURCE_CODE)) {
    throw new UserError(`${indicator}: source must be one of ${PRICE_SOURCES.join(', ')}, got ${formatArg(source)}`);
  }
  return SOURCE_CODE[source as PriceSource];
}

/** The bar field (or derived price) a source code stands for. hlc3 is ((high + low) + close) / 3, as TA-Lib's typical price. */
export function pick(code: number, o: number, h: number, l: number, c: number, v: number): number {
  switch (code) {
    case 0: return o;
    case 1: return h;
    case 2: return l;
    case 3: return c;
    case 4: return v;
    case 5: return (h + l) / 2;
    case 6: return (h + l + c) / 3;
    default: return (o + h + l + c) / 4;
  }
}

/** The fields of a bar an indicator reads. */
export type OhlcvBar = { readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number };

/** pick() reading the bar: only the fields the source needs. */
export function pickBar(code: number, b: OhlcvBar): number {
  return code === 3 ? b.close : pick(code, b.open, b.high, b.low, b.close, b.volume);
}

/** Label for an indicator name: `sma(20)`, `sma(20,hl2)`. The default source is omitted. */
export function label(fn: string, args: readonly (number | string)[], source?: PriceSource, defaultSource: PriceSource = 'close'): string {
  const parts = args.map(String);
  if (source !== undefined && source !== defaultSource) parts.push(source);
  return `${fn}(${parts.join(',')})`;
}

/** One output of a multi-output indicator: the newest value and the one before (NaN while warming up). */
export class OutputSeries implements Series {
  value = NaN;
  prev = NaN;
  /** @internal the owning indicator records a new value */
  set(v: number): void {
    this.prev = this.value;
    this.value = v;
  }
  /** @internal */
  clear(): void {
    this.value = NaN;
    this.prev = NaN;
  }
}

/** An indicator with several outputs lists their field names (each a Series on the indicator). */
export interface MultiOutput {
  readonly outputs: readonly string[];
}

/**
 * Shared bookkeeping for our kernels: `value`/`prev`, the bar count and `ready`.
 * Subclasses implement `next` and call `emit`; `reset` calls `clear` then resets their own state.
 */
export abstract class BaseIndicator implements Indicator {
  value = NaN;
  prev = NaN;
  /** Bars consumed since construction or reset. */
  protected bars = 0;

  constructor(readonly name: string, readonly warmup: number) {}

  get ready(): boolean {
    return this.bars >= this.warmup;
  }

  abstract next(open: number, high: number, low: number, close: number, volume: number): number;
  abstract reset(): void;

  /**
   * @internal How the kernel feeds a bar: the bar object rather than its five fields. When the call is not
   * inlined, five number arguments are five heap allocations per bar and indicator; one reference is none.
   * Our kernels compute here (BarIndicator); an indicator that only has next() gets the fields.
   */
  nextBar(b: OhlcvBar): number {
    return this.next(b.open, b.high, b.low, b.close, b.volume);
  }

  /**
   * Set by kernels whose output is a function of their name (which states every argument) and the bars
   * alone: two instances of the same class with the same replayKey, fed the same bars, give the same values
   * bar by bar. A parameter sweep then computes such an indicator once per series and replays its values in
   * every trial (engine/core/indicator-cache.ts). Undefined (the default): never shared.
   */
  get replayKey(): string | undefined {
    return undefined;
  }

  /**
   * @internal The engine replays a shared column: `col[at]` becomes the output of the next bar, exactly as if
   * next() had computed it. (The column and index rather than the number: no allocation when not inlined.)
   */
  replay(col: Float64Array, at: number): void {
    this.bars++;
    this.prev = this.value;
    this.value = col[at]!;
  }

  protected emit(v: number): number {
    this.prev = this.value;
    this.value = v;
    return v;
  }

  protected clear(): void {
    this.value = NaN;
    this.prev = NaN;
    this.bars = 0;
  }
}

/** The bar next() hands to nextBar(): one reused object (nextBar never calls another indicator's next()). */
const FIELDS = { open: NaN, high: NaN, low: NaN, close: NaN, volume: NaN };

/** Our kernels: they compute from the bar in nextBar(); next() passes its five numbers through one reused object. */
export abstract class BarIndicator extends BaseIndicator {
  next(open: number, high: number, low: number, close: number, volume: number): number {
    const b = FIELDS;
    b.open = open;
    b.high = high;
    b.low = low;
    b.close = close;
    b.volume = volume;
    return this.nextBar(b);
  }
  abstract override nextBar(b: OhlcvBar): number;
}
