import { describe, expect, it } from 'vitest';
import { normCdf, normInv } from '../../engine/stats/normal.js';
import { seededRng } from '../../engine/stats/random.js';
import {
  combinations, deflatedSharpe, expectedMaxSharpe, probabilisticSharpe, probabilityOfOverfitting, returnMoments,
} from '../../engine/research/overfitting.js';

// Expected values computed independently in Python 3.11 (math.erfc, statistics.NormalDist.inv_cdf,
// statistics.stdev and itertools.combinations; a brute-force CSCV that slices the rows directly).
const r = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, 0.011, -0.004, 0.009, -0.001, 0.006, -0.012];
const trialSharpes = [0.1, 0.3, -0.2, 0.25, 0.05, 0.12, -0.05];

describe('normal distribution', () => {
  it('matches erfc-based Φ to 1e-13 relative, including the far tail', () => {
    const cases: [number, number][] = [
      [-8, 6.220960574271819e-16], [-3.5, 0.00023262907903552504], [-1.2345, 0.1085083233626702],
      [0.4, 0.6554217416103242], [1.96, 0.9750021048517795], [6, 0.9999999990134123],
    ];
    for (const [x, p] of cases) expect(Math.abs(normCdf(x) - p) / p).toBeLessThan(1e-13);
  });
  it('inverts Φ to 1e-12 (1e-10 where 1 − p is tiny: the problem itself is ill-conditioned there)', () => {
    const cases: [number, number][] = [
      [1e-10, -6.361340902404056], [0.001, -3.090232306167813], [0.025, -1.9599639845400538],
      [0.3, -0.5244005127080407], [0.5, 0], [0.99, 2.3263478740408408], [0.999999, 4.753424308817089],
    ];
    for (const [p, x] of cases) expect(normInv(p)).toBeCloseTo(x, p > 0.9999 ? 10 : 12);
  });
});

describe('Probabilistic and Deflated Sharpe Ratio', () => {
  it('computes the moments of a return series', () => {
    const m = returnMoments(r);
    expect(m.mean).toBeCloseTo(0.0025, 15);
    expect(m.std).toBeCloseTo(0.011704699910719625, 15);
    expect(m.skew).toBeCloseTo(-0.4114154097193002, 12);
    expect(m.kurtosis).toBeCloseTo(2.3201441272293115, 12);
    expect(m.sharpe).toBeCloseTo(0.2135894144291902, 12);
  });
  it('gives PSR against a zero benchmark', () => {
    const m = returnMoments(r);
    expect(probabilisticSharpe(m.sharpe, m.n, m.skew, m.kurtosis, 0)).toBeCloseTo(0.7500131609672802, 12);
  });
  it('deflates the Sharpe ratio by the number and spread of trials', () => {
    expect(expectedMaxSharpe(7, 0.029247619047619047)).toBeCloseTo(0.23716527092315293, 12);
    const d = deflatedSharpe(r, trialSharpes);
    expect(d.trials).toBe(7);
    expect(d.srVariance).toBeCloseTo(0.029247619047619047, 15);
    expect(d.sr0).toBeCloseTo(0.23716527092315293, 12);
    expect(d.dsr).toBeCloseTo(0.47032445241390153, 12);
  });
  it('has no deflation with a single trial', () => {
    expect(expectedMaxSharpe(1, 0.5)).toBe(0);
  });
});

describe('Probability of Backtest Overfitting (CSCV)', () => {
  const M = [
    [0.01, 0.02, 0.015, 0.03, -0.01, -0.02, 0.0, -0.015],
    [0.0, 0.005, -0.002, 0.004, 0.01, 0.012, 0.008, 0.011],
    [-0.01, 0.003, 0.002, -0.004, 0.002, 0.001, -0.003, 0.004],
    [0.02, -0.01, 0.01, 0.0, 0.005, -0.005, 0.003, 0.001],
  ];
  it('enumerates C(S, S/2) splits', () => {
    expect([...combinations(4, 2)]).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    expect([...combinations(16, 8)].length).toBe(12870);
  });
  it('matches a brute-force CSCV on a worked example', () => {
    const res = probabilityOfOverfitting(M, 4);
    expect(res.splits).toBe(6);
    const expected = [-1.3862943611198906, 1.3862943611198908, 1.3862943611198908, 1.3862943611198908, 1.3862943611198908, 0.4054651081081642];
    res.logits.forEach((l, i) => expect(l).toBeCloseTo(expected[i]!, 12));
    expect(res.pbo).toBeCloseTo(1 / 6, 15);
  });
  it('is near 1 when the in-sample winner is always the out-of-sample loser', () => {
    // Trial k is good in the first half and bad in the second, and the reverse for the others.
    const flip = [
      [0.02, 0.01, 0.03, 0.02, -0.02, -0.01, -0.03, -0.02],
      [-0.01, 0.0, -0.005, 0.001, 0.01, 0.0, 0.005, 0.001],
    ];
    expect(probabilityOfOverfitting(flip, 2).pbo).toBe(1);
  });
  it('refuses an odd number of blocks', () => {
    expect(() => probabilityOfOverfitting(M, 3)).toThrow(/even/);
  });
  it('scores every split like a brute-force CSCV that slices the rows of each split', () => {
    const rnd = seededRng(17);
    const N = 9, T = 40, S = 8;
    const R = Array.from({ length: N }, (_, k) => Array.from({ length: T }, (_, t) => (rnd() - 0.5 + (k % 3) * 0.02 * Math.sin(t)) / 50));
    const bounds = Array.from({ length: S + 1 }, (_, b) => Math.round((b * T) / S));
    const sharpe = (xs: number[]) => {
      const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
      return mean / sd;
    };
    const rows = (k: number, blocks: number[]) => blocks.flatMap((b) => R[k]!.slice(bounds[b], bounds[b + 1]));
    const expected = [...combinations(S, S / 2)].map((is) => {
      const oos = Array.from({ length: S }, (_, b) => b).filter((b) => !is.includes(b));
      const isSr = R.map((_, k) => sharpe(rows(k, is)));
      const best = isSr.indexOf(Math.max(...isSr));
      const oosSr = R.map((_, k) => sharpe(rows(k, oos)));
      const rank = oosSr.filter((x) => x < oosSr[best]!).length + 1;
      return Math.log(rank / (N + 1) / (1 - rank / (N + 1)));
    });
    const res = probabilityOfOverfitting(R, S);
    expect(res.logits).toHaveLength(expected.length);
    res.logits.forEach((l, i) => expect(l, `split ${i}`).toBeCloseTo(expected[i]!, 9));
    expect(res.pbo).toBe(expected.filter((l) => l <= 0).length / expected.length);
  });
});
