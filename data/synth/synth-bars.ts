import { allocBarColumns, timeframeMs, UserError, type BarColumns, type EpochMs, type Timeframe } from '../../engine/domain/index.js';
import { gridFloor } from '../store/bar-grid.js';
import { normalRng, seededRng } from '../../engine/stats/random.js';

export type SynthOptions = {
  readonly timeframe: Timeframe;
  readonly bars: number;
  readonly seed: number;
  /** Open time of the first bar (moved down onto the timeframe's grid). */
  readonly start: EpochMs;
  /** First open; default 100. */
  readonly startPrice?: number;
  /** Long-run annualised volatility as a fraction; default 0.7 (crypto-like). */
  readonly annualVol?: number;
};

const YEAR_MS = 365 * 86_400_000;
/** GARCH(1,1) weights: shocks feed the next bar's variance (alpha) and variance persists (beta). */
const ALPHA = 0.09;
const BETA = 0.89;
/** Degrees of freedom of the Student-t shocks: fat tails, finite variance. */
const DF = 5;
export const MAX_SYNTH_BARS = 10_000_000;

/**
 * A seeded, realistic synthetic bar series: log returns with GARCH(1,1) volatility clustering and
 * Student-t (fat-tailed) shocks, intrabar highs/lows from the bar's own volatility, and volume that rises
 * with volatility and with the size of the move. Deterministic: the same options give the same bytes.
 * Prices are rounded to a tick of 1e-5 of the start price; high ≥ max(open, close), low ≤ min(open, close).
 */
export function synthBars(opts: SynthOptions): BarColumns {
  if (!Number.isInteger(opts.bars) || opts.bars < 1 || opts.bars > MAX_SYNTH_BARS) {
    throw new UserError(`--bars: "${opts.bars}" must be a whole number from 1 to ${MAX_SYNTH_BARS}`);
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new UserError(`--seed: "${opts.seed}" must be a whole number from 0 to 4294967295`);
  }
  const startPrice = opts.startPrice ?? 100;
  if (!(startPrice > 0) || !Number.isFinite(startPrice)) throw new UserError(`--price: "${startPrice}" must be a positive number`);
  const annualVol = opts.annualVol ?? 0.7;
  const stepMs = timeframeMs(opts.timeframe);
  const t0 = gridFloor(opts.start, opts.timeframe);

  const u = seededRng(opts.seed);
  const z = normalRng(u);
  const tScale = Math.sqrt((DF - 2) / DF);
  const studentT = () => {
    let chi2 = 0;
    for (let k = 0; k < DF; k++) {
      const g = z();
      chi2 += g * g;
    }
    return (z() / Math.sqrt(chi2 / DF)) * tScale;
  };

  // Price tick: a power of ten about 1e-5 of the start price; rounding divides by an integer power of ten
  // so the stored numbers are the shortest decimals (0.3, not 0.30000000000000004).
  const decimals = Math.max(0, Math.min(12, 5 - Math.floor(Math.log10(startPrice))));
  const scale = 10 ** decimals;
  const round = (p: number) => Math.max(Math.round(p * scale), 1) / scale;

  const barVar = (annualVol * annualVol * stepMs) / YEAR_MS;
  const omega = barVar * (1 - ALPHA - BETA);
  const baseVolume = 50 * Math.sqrt(stepMs / 60_000);

  const out = allocBarColumns(opts.bars);
  let h = barVar;
  let prevShock = 0;
  let close = round(startPrice);
  for (let i = 0; i < opts.bars; i++) {
    h = omega + ALPHA * prevShock * prevShock + BETA * h;
    const sigma = Math.sqrt(h);
    const shock = sigma * studentT();
    prevShock = shock;
    const open = close;
    const c = round(open * Math.exp(shock - h / 2));
    // Wicks scale with the bar's volatility: a calm bar has short wicks, a turbulent one long wicks.
    const hi = round(Math.max(open, c) * Math.exp(sigma * 0.6 * Math.abs(z())));
    const lo = round(Math.min(open, c) * Math.exp(-sigma * 0.6 * Math.abs(z())));
    // Volume rises with the volatility regime and with the size of this bar's move.
    const regime = Math.sqrt(h / barVar);
    const move = Math.abs(shock) / Math.sqrt(barVar);
    const vol = baseVolume * regime * (0.6 + 0.4 * move) * Math.exp(0.35 * z());
    out.openTime[i] = t0 + i * stepMs;
    out.open[i] = open;
    out.high[i] = Math.max(hi, open, c);
    out.low[i] = Math.min(lo, open, c);
    out.close[i] = c;
    out.volume[i] = Math.round(vol * 10_000) / 10_000;
    close = c;
  }
  return out;
}
