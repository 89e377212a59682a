import { normalCdf } from './normal-cdf.js';

/**
 * Probabilistic Sharpe Ratio (Bailey & López de Prado, "The Sharpe Ratio Efficient Frontier", 2012):
 *
 *   PSR(SR*) = Φ( (SR − SR*) · √(n − 1) / √(1 − γ₃·SR + ((γ₄ − 1) / 4)·SR²) )
 *
 * where, over the n per-period (here: daily) returns r, SR = mean(r) / std(r) is the
 * non-annualised Sharpe ratio (sample std, ddof = 1), γ₃ the skewness and γ₄ the (non-excess,
 * Pearson) kurtosis, both from population moments (mᵏ = mean((r − mean)ᵏ), γ₃ = m₃ / m₂^1.5,
 * γ₄ = m₄ / m₂²), and Φ the standard normal CDF. The benchmark SR* is 0, so PSR is the probability
 * that the true Sharpe ratio is positive. Undefined (null) with fewer than 3 returns, zero variance,
 * or a non-positive radicand.
 */
export function probabilisticSharpe(returns: ArrayLike<number>, benchmarkSr = 0): number | null {
  const n = returns.length;
  if (n < 3) return null;
  let s = 0;
  for (let i = 0; i < n; i++) s += returns[i]!;
  const m = s / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sampleStd = Math.sqrt(m2 / (n - 1));
  m2 /= n; m3 /= n; m4 /= n;
  if (!(m2 > 0) || !(sampleStd > 0)) return null;
  const sr = m / sampleStd;
  const skew = m3 / Math.pow(m2, 1.5);
  const kurt = m4 / (m2 * m2);
  const radicand = 1 - skew * sr + ((kurt - 1) / 4) * sr * sr;
  if (!(radicand > 0)) return null;
  return normalCdf(((sr - benchmarkSr) * Math.sqrt(n - 1)) / Math.sqrt(radicand));
}
