import { normInv } from '../stats/normal.js';
import { probabilisticSharpe, returnMoments } from '../stats/sharpe.js';

export { probabilisticSharpe, returnMoments, type ReturnMoments } from '../stats/sharpe.js';

/**
 * Overfitting statistics for optimisation and walk-forward reports.
 *
 * Sharpe ratios here are per-period (not annualised): mean / stddev of the period returns (sample stddev, n−1).
 *
 * Probabilistic Sharpe Ratio (Bailey & López de Prado, "The Sharpe Ratio Efficient Frontier", J. of Risk 15(2), 2012):
 *   PSR(SR*) = Φ( (SR − SR*) · √(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4 · SR²) )
 *   with T the number of returns, γ₃ their skewness and γ₄ their (non-excess) kurtosis.
 *
 * Deflated Sharpe Ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio: Correcting for Selection Bias,
 * Backtest Overfitting and Non-Normality", J. of Portfolio Management 40(5), 2014):
 *   DSR = PSR(SR₀),  SR₀ = √V[SR_n] · ( (1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)) )
 *   with N independent trials, V[SR_n] the variance of the trials' Sharpe ratios and γ the Euler–Mascheroni constant.
 *
 * Probability of Backtest Overfitting (Bailey, Borwein, López de Prado & Zhu, "The Probability of Backtest
 * Overfitting", J. of Computational Finance 20(4), 2017), by combinatorially symmetric cross-validation (CSCV):
 *   split the T×N matrix of trial returns into S row blocks; for every choice of S/2 blocks as in-sample (IS) and the
 *   rest as out-of-sample (OOS): take the trial n* with the best IS Sharpe, its OOS rank r among N (1 = worst),
 *   ω = r / (N + 1), λ = ln(ω / (1 − ω)). PBO = the share of splits with λ ≤ 0.
 */

export const EULER_GAMMA = 0.5772156649015329;

/** SR₀: the Sharpe ratio the best of N trials is expected to reach by luck alone. */
export function expectedMaxSharpe(trials: number, srVariance: number): number {
  if (trials < 1) return NaN;
  if (trials === 1) return 0;
  const g = EULER_GAMMA;
  return Math.sqrt(srVariance) * ((1 - g) * normInv(1 - 1 / trials) + g * normInv(1 - 1 / (trials * Math.E)));
}

export type DeflatedSharpe = { dsr: number; sr0: number; sr: number; trials: number; srVariance: number; n: number };

/**
 * DSR of the selected trial's returns, given all trials' per-period Sharpe ratios (for N and V[SR_n]).
 */
export function deflatedSharpe(selectedReturns: ArrayLike<number>, trialSharpes: ArrayLike<number>): DeflatedSharpe {
  const m = returnMoments(selectedReturns);
  const t = returnMoments(trialSharpes);
  const trials = trialSharpes.length;
  const srVariance = trials > 1 ? t.std * t.std : 0;
  const sr0 = expectedMaxSharpe(trials, srVariance);
  return { dsr: probabilisticSharpe(m.sharpe, m.n, m.skew, m.kurtosis, sr0), sr0, sr: m.sharpe, trials, srVariance, n: m.n };
}

export type PboResult = {
  pbo: number;
  /** λ (logit of the OOS relative rank of the IS winner) for every split. */
  logits: number[];
  splits: number;
  blocks: number;
  /** Share of splits where the IS winner's OOS performance is below the OOS median. */
};

/**
 * PBO by CSCV. `returns[k]` is trial k's return series; all of equal length T ≥ blocks.
 * `blocks` (S) must be even; T is cut into S contiguous blocks of (almost) equal size.
 * Performance measure: per-period Sharpe ratio (mean/std); ties in OOS rank count as half (average rank).
 */
export function probabilityOfOverfitting(returns: readonly ArrayLike<number>[], blocks = 16): PboResult {
  const N = returns.length;
  if (N < 2) throw new Error('PBO needs at least 2 trials');
  if (blocks < 2 || blocks % 2 !== 0) throw new Error('PBO needs an even number of blocks ≥ 2');
  const T = returns[0]!.length;
  for (const r of returns) if (r.length !== T) throw new Error('PBO needs return series of equal length');
  if (T < blocks) throw new Error(`PBO needs at least ${blocks} returns per trial (got ${T})`);
  // Per block and trial: n, sum, sum of squares — Sharpe of any union of blocks follows from these.
  const bounds: number[] = [];
  for (let b = 0; b <= blocks; b++) bounds.push(Math.round((b * T) / blocks));
  const cnt = new Float64Array(blocks), sum = new Float64Array(blocks * N), sq = new Float64Array(blocks * N);
  for (let b = 0; b < blocks; b++) {
    cnt[b] = bounds[b + 1]! - bounds[b]!;
    for (let k = 0; k < N; k++) {
      const r = returns[k]!;
      let s = 0, s2 = 0;
      for (let i = bounds[b]!; i < bounds[b + 1]!; i++) { s += r[i]!; s2 += r[i]! * r[i]!; }
      sum[b * N + k] = s; sq[b * N + k] = s2;
    }
  }
  // Every split's OOS blocks are another split's IS blocks: each half of the blocks is scored once, for the
  // pair of splits it belongs to (splits with block 0 in sample, and their complements).
  const combos = [...combinations(blocks, blocks / 2)];
  const maskOf = (c: readonly number[]) => c.reduce((m, b) => m + 2 ** b, 0);
  const indexOf = new Map(combos.map((c, i) => [maskOf(c), i]));
  const all = 2 ** blocks - 1;
  const logits = new Array<number>(combos.length);
  const acc = { s: new Float64Array(N), s2: new Float64Array(N) };
  const first = new Float64Array(N), second = new Float64Array(N);
  for (let i = 0; i < combos.length; i++) {
    const c = combos[i]!;
    if (c[0] !== 0) continue;
    const j = indexOf.get(all - maskOf(c))!;
    blockSharpes(c, cnt, sum, sq, acc, first);
    blockSharpes(combos[j]!, cnt, sum, sq, acc, second);
    logits[i] = winnerLogit(first, second);
    logits[j] = winnerLogit(second, first);
  }
  const over = logits.filter((l) => l <= 0).length;
  return { pbo: over / logits.length, logits, splits: logits.length, blocks };
}

/**
 * Per-period Sharpe ratio of every trial over the union of `blocks` (ascending), from the per-block counts,
 * sums and sums of squares (`sum[b·N + k]` for trial k); written to `out`.
 */
function blockSharpes(
  blocks: readonly number[], cnt: Float64Array, sum: Float64Array, sq: Float64Array, acc: { s: Float64Array; s2: Float64Array }, out: Float64Array,
): void {
  const N = out.length;
  const { s, s2 } = acc;
  s.fill(0);
  s2.fill(0);
  let n = 0;
  for (const b of blocks) {
    n += cnt[b]!;
    const off = b * N;
    for (let k = 0; k < N; k++) {
      s[k] += sum[off + k]!;
      s2[k] += sq[off + k]!;
    }
  }
  for (let k = 0; k < N; k++) {
    const mean = s[k]! / n;
    const v = (s2[k]! - n * mean * mean) / (n - 1);
    out[k] = v > 0 ? mean / Math.sqrt(v) : 0;
  }
}

/** λ of one split: the logit of the OOS relative rank (ties averaged) of the trial with the best IS Sharpe (first on ties). */
function winnerLogit(isSharpe: Float64Array, oosSharpe: Float64Array): number {
  const N = isSharpe.length;
  let best = 0, bestSr = -Infinity;
  for (let k = 0; k < N; k++) {
    if (isSharpe[k]! > bestSr) { bestSr = isSharpe[k]!; best = k; }
  }
  const target = oosSharpe[best]!;
  let below = 0, equal = 0;
  for (let k = 0; k < N; k++) {
    const x = oosSharpe[k]!;
    if (x < target) below++;
    else if (x === target) equal++;
  }
  const rank = below + (equal + 1) / 2; // 1-based average rank
  const w = rank / (N + 1);
  return Math.log(w / (1 - w));
}

/** All k-subsets of {0..n−1}, in lexicographic order. */
export function* combinations(n: number, k: number): Generator<number[]> {
  const c = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield [...c];
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return;
    c[i]!++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1]! + 1;
  }
}
