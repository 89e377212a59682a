import { BarIndicator, type MultiOutput, OutputSeries, label, requirePeriod, type OhlcvBar } from './base.js';
import { trueRange } from './volatility.js';

/**
 * Average Directional Index with ±DI, exactly TA-Lib's ADX / PLUS_DI / MINUS_DI:
 * - +DM = high − prevHigh when it is positive and larger than prevLow − low; −DM symmetrically.
 * - +DM, −DM and the true range are summed over the first period − 1 changes, then Wilder-smoothed
 *   (s = s − s/period + x); ±DI = 100·DM/TR from bar period + 1 (0 when TR is 0).
 * - DX = 100·|−DI − +DI| / (−DI + +DI); the first ADX (bar 2·period) is the mean of the first `period`
 *   DX values, then adx = (adx·(period − 1) + dx) / period; a bar without a DX keeps the ADX.
 * `value` is the ADX; `.plusDI`/`.minusDI` are defined from bar period + 1, like TA-Lib's.
 * Deviation from TA-Lib, on purpose: zero tests are exact (TA-Lib: |x| < 1e-8). Identical on the golden data.
 */
export class Adx extends BarIndicator implements MultiOutput {
  readonly outputs = ['adx', 'plusDI', 'minusDI'] as const;
  readonly adx = new OutputSeries();
  readonly plusDI = new OutputSeries();
  readonly minusDI = new OutputSeries();
  private prevHigh = NaN;
  private prevLow = NaN;
  private prevClose = NaN;
  private pdm = 0;
  private mdm = 0;
  private tr = 0;
  private sumDx = 0;
  private adxValue = NaN;
  constructor(readonly period: number) {
    requirePeriod('adx', 'period', period, 2);
    super(label('adx', [period]), 2 * period);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close;
    const i = this.bars++;
    const n = this.period;
    const diffP = h - this.prevHigh;
    const diffM = this.prevLow - l;
    const tr = trueRange(h, l, this.prevClose);
    this.prevHigh = h;
    this.prevLow = l;
    this.prevClose = c;
    if (i === 0) return this.publish(NaN, NaN, NaN);
    if (i < n) {
      if (diffM > 0 && diffP < diffM) this.mdm += diffM;
      else if (diffP > 0 && diffP > diffM) this.pdm += diffP;
      this.tr += tr;
      return this.publish(NaN, NaN, NaN);
    }
    this.mdm -= this.mdm / n;
    this.pdm -= this.pdm / n;
    if (diffM > 0 && diffP < diffM) this.mdm += diffM;
    else if (diffP > 0 && diffP > diffM) this.pdm += diffP;
    this.tr = this.tr - this.tr / n + tr;
    let plusDI = 0;
    let minusDI = 0;
    let dx = NaN;
    if (this.tr !== 0) {
      minusDI = 100 * (this.mdm / this.tr);
      plusDI = 100 * (this.pdm / this.tr);
      const sum = minusDI + plusDI;
      if (sum !== 0) dx = 100 * (Math.abs(minusDI - plusDI) / sum);
    }
    if (i < 2 * n - 1) {
      if (!Number.isNaN(dx)) this.sumDx += dx;
      return this.publish(NaN, plusDI, minusDI);
    }
    if (i === 2 * n - 1) {
      if (!Number.isNaN(dx)) this.sumDx += dx;
      this.adxValue = this.sumDx / n;
    } else if (!Number.isNaN(dx)) {
      this.adxValue = (this.adxValue * (n - 1) + dx) / n;
    }
    return this.publish(this.adxValue, plusDI, minusDI);
  }
  private publish(adx: number, plusDI: number, minusDI: number): number {
    this.adx.set(adx);
    this.plusDI.set(plusDI);
    this.minusDI.set(minusDI);
    return this.emit(adx);
  }
  reset(): void {
    this.clear();
    this.adx.clear();
    this.plusDI.clear();
    this.minusDI.clear();
    this.prevHigh = NaN;
    this.prevLow = NaN;
    this.prevClose = NaN;
    this.pdm = 0;
    this.mdm = 0;
    this.tr = 0;
    this.sumDx = 0;
    this.adxValue = NaN;
  }
}

/** ADX(period) with `.adx`, `.plusDI`, `.minusDI`; `value` is the ADX. */
export const adx = (period = 14): Adx => new Adx(period);
