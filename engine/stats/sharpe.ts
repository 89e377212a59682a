import { normCdf } from './normal.js';

/**
 * Sharpe-ratio statistics on per-period returns (not annualised): mean / sample std (n − 1);
 * skewness γ₃ and (non-excess, Pearson) kurtosis γ₄ from population moments.
 *
 * Probabilistic Sharpe Ratio (Bailey & López de Prado, "The Sharpe Ratio Efficient Frontier", J. of Risk 15(2), 2012):
 *   PSR(SR*) = Φ( (SR − SR*) · √(n − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4 · SR²) )
 */
export type ReturnMoments = { n: number; mean: number; std: number; skew: number; kurtosis: number; sharpe: number };

/** Sample moments of a return series: std with n−1; skewness and (non-excess) kurtosis as population moments ratios. */
export function returnMoments(r: ArrayLike<number>): ReturnMoments {
  const n = r.length;
  if (n < 2) return { n, mean: NaN, std: NaN, skew: NaN, kurtosis: NaN, sharpe: NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r[i]!;
  mean /= n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = r[i]! - mean;
    const d2 = d * d;
    m2 += d2; m3 += d2 * d; m4 += d2 * d2;
  }
  const varPop = m2 / n;
  const std = Math.sqrt(m2 / (n - 1));
  const skew = varPop > 0 ? m3 / n / varPop ** 1.5 : 0;
  const kurtosis = varPop > 0 ? m4 / n / (varPop * varPop) : 3;
  return { n, mean, std, skew, kurtosis, sharpe: std > 0 ? mean / std : 0 };
}

/** PSR of an observed per-period Sharpe ratio against a benchmark SR* (default 0). */
export function probabilisticSharpe(sr: number, n: number, skew: number, kurtosis: number, srBenchmark = 0): number {
  if (!(n > 1) || !Number.isFinite(sr)) return NaN;
  const denom = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  if (!(denom > 0)) return NaN;
  return normCdf(((sr - srBenchmark) * Math.sqrt(n - 1)) / Math.sqrt(denom));
}


/** PSR of a return series against SR* (default 0); null with fewer than 3 returns, zero variance or a non-positive radicand. */
export function probabilisticSharpeOfReturns(returns: ArrayLike<number>, srBenchmark = 0): number | null {
  const m = returnMoments(returns);
  if (m.n < 3 || !(m.std > 0)) return null;
  const v = probabilisticSharpe(m.sharpe, m.n, m.skew, m.kurtosis, srBenchmark);
  return Number.isFinite(v) ? v : null;
}
