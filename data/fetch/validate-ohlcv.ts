import { UserError, allocBarColumns, isoUtc, ohlcViolations, type BarColumns, type Timeframe } from '../../engine/domain/index.js';
import { isOnGrid } from '../check/grid.js';

export type OhlcvPageContext = {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
};

/**
 * Parses one exchange reply page (ccxt OHLCV rows) into bars, checking every row: a timestamp on
 * the timeframe's grid and strictly ascending, finite positive prices, finite non-negative volume,
 * high at or above open/close/low and low at or below open/close. A single bad row rejects the whole
 * page with a message naming the exchange, the bar time and the value.
 */
export function validateOhlcvPage(rows: readonly unknown[], ctx: OhlcvPageContext): BarColumns {
  const cols = allocBarColumns(rows.length);
  const where = (t: unknown) => `${ctx.exchange} returned a bad ${ctx.symbol} ${ctx.timeframe} bar${typeof t === 'number' && Number.isFinite(t) ? ` at ${isoUtc(t)} (${t})` : ''}`;
  const fail = (t: unknown, what: string) => new UserError(`${where(t)}: ${what}; nothing of that page was stored`);
  let prev = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Array.isArray(r) || r.length < 6) throw fail(undefined, `row ${i + 1} of the page is not [time, open, high, low, close, volume]: ${JSON.stringify(r)}`);
    const [t, o, h, l, c, v] = r as unknown[];
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) throw fail(undefined, `timestamp ${JSON.stringify(t)} is not epoch ms`);
    if (!isOnGrid(t, ctx.timeframe)) throw fail(t, `timestamp ${t} is not on the ${ctx.timeframe} grid`);
    if (t <= prev) throw fail(t, `timestamp is not after the previous bar's (${isoUtc(prev)})`);
    const named = [['open', o], ['high', h], ['low', l], ['close', c]] as const;
    for (const [name, x] of named) {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw fail(t, `${name} ${JSON.stringify(x) ?? 'undefined'} is not a finite number`);
      if (x <= 0) throw fail(t, `${name} ${x} is not positive`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(t, `volume ${JSON.stringify(v) ?? 'undefined'} is not a finite number`);
    if (v < 0) throw fail(t, `volume ${v} is negative`);
    const O = o as number, H = h as number, L = l as number, C = c as number;
    const broken = ohlcViolations(O, H, L, C);
    if (broken.length !== 0) {
      const v = broken[0]!;
      const val = { open: O, high: H, low: L, close: C };
      throw fail(t, `${v.field} ${val[v.field]} is ${v.relation} ${v.other} ${val[v.other]}`);
    }
    cols.openTime[i] = t;
    cols.open[i] = O;
    cols.high[i] = H;
    cols.low[i] = L;
    cols.close[i] = C;
    cols.volume[i] = v;
    prev = t;
  }
  return cols;
}
