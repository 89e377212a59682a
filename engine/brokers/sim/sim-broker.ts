import { UNRESTRICTED_MARKET } from '../../domain/index.js';
import { lowerBound, timeframeMs } from '../../domain/index.js';
import type { Bar, BarColumns, EpochMs, InstrumentId, MarketRules, Timeframe } from '../../domain/index.js';
import type { Broker, BrokerSink, Fill, Order, OrderChanges, OrderRole, OrderSpec, OrderStatus, Side, Trail } from '../../ports/index.js';
import { Ledger, PositionState, belowMinimum, makeOrder, roundAmount, truncate, unitsFor, roundPrice } from '../../core/index.js';

/** How a bar's price path is assumed when one bar could have hit both a stop-loss and a take-profit. */
export type IntrabarRule = 'pessimistic' | 'optimistic';

export type Slippage =
  | { readonly kind: 'none' }
  /** Taker fills move against the order by this many basis points of the price. */
  | { readonly kind: 'bps'; readonly bps: number }
  /** Taker fills move against the order by this fraction of the bar's high−low range. */
  | { readonly kind: 'range'; readonly fraction: number };

export type SimBrokerOptions = {
  readonly cash: number;
  readonly makerFeeRate: number;
  readonly takerFeeRate: number;
  /** Added to every fill, quote currency. */
  readonly fixedFee?: number;
  readonly slippage?: Slippage;
  /** Fill at most this fraction of a bar's volume; the rest stays open (partial fill). 0/undefined = no cap. */
  readonly volumeCap?: number;
  /** Gross exposure may not exceed maxLeverage × equity after a fill that adds exposure. */
  readonly maxLeverage?: number;
  readonly allowShort?: boolean;
  readonly intrabar?: IntrabarRule;
  /** Rounding rules per instrument (ccxt market data when known, else config/flags). */
  readonly markets?: Readonly<Record<InstrumentId, MarketRules>>;
  readonly defaultMarket?: MarketRules;
  /**
   * Finer bars per instrument (e.g. 1m under a 1h backtest). When one bar touches both legs of a
   * bracket, they are replayed in order to find which leg traded first; only when a finer bar itself
   * touches both does the intrabar rule decide (and the fill stays flagged ambiguous).
   */
  readonly finer?: Readonly<Record<InstrumentId, FinerBars>>;
};

/** Finer bars of one instrument, ascending open times. */
export type FinerBars = { readonly timeframe: Timeframe; readonly bars: BarColumns };

type Working = {
  order: Order;
  /** Units still to fill; NaN until the size is resolved at the first fill. */
  remaining: number;
  filled: number;
  /** Stop-limit: the stop has triggered, it now works as a limit. */
  triggered: boolean;
  /** Current stop level of a trailing stop. */
  trailStop: number;
  group: Working[] | undefined;
  done: boolean;
  /** Bracket children of an entry. */
  children: Working[] | undefined;
};

type Candidate = { w: Working; price: number; atOpen: boolean; liquidity: 'maker' | 'taker' };

const STOP_ROLES: ReadonlySet<OrderRole> = new Set(['stop-loss', 'trailing-stop']);

/**
 * The simulated broker (backtest and paper). Fill model — intrabar rules, for a bar with open O, high H,
 * low L (sells mirror buys):
 *
 * 1. An order is eligible from the first bar that opens at or after its submission time: a market order
 *    submitted at bar t's close fills at bar t+1's open (plus slippage). Market orders are filled first,
 *    before any stop or limit that triggers inside the bar.
 * 2. A buy limit at P fills at min(O, P) when L ≤ P: at the open as taker when the bar opens through the
 *    limit, else at P as maker.
 * 3. A buy stop at S fills at the open when O ≥ S (a stop that gaps through fills at the open, not at the
 *    stop price), else at S when H ≥ S; taker, plus slippage.
 * 4. A stop-limit triggers like a stop, then works as a limit: triggered at the open it fills at O when
 *    O ≤ limit; triggered intrabar it fills at S only when the limit is at or beyond S, otherwise it rests
 *    as a limit from the next bar.
 * 5. A trailing stop works as a stop whose level follows the best price by the trail distance; the level
 *    is moved after each bar is checked (a bar's own high never tightens the stop that bar is checked against).
 * 6. Attached stop-loss / take-profit / trailing stop form an OCO group placed when the entry fills, for
 *    the filled amount, checked from the entry bar on (from the entry price). They only reduce the position
 *    (a child with nothing left to close is cancelled). When one bar touches both a stop and a target and
 *    the open decides neither, the outcome is ambiguous. With finer bars of the instrument (option
 *    `finer`), they are replayed in order and the first finer bar that touches only one leg decides
 *    (at that leg's price by rules 2–5 on the finer bar; flagged `intrabarResolved`). Otherwise —
 *    no finer bars, or one finer bar touches both — pessimistic (default) takes the stop, optimistic
 *    the target; the fill is flagged ambiguous and counted.
 * 7. Fees: maker/taker rate × notional, plus a fixed fee per fill. Slippage applies to taker fills and
 *    never moves a price outside the bar's range.
 * 8. Volume cap: at most cap × bar volume fills per bar; the rest stays open (partially filled).
 * 9. Sizes are resolved at the fill price (equity-fraction, quote, risk, closeAll), then rounded to the
 *    market's amount step; prices to its price step; below min amount/notional → rejected.
 * 10. Margin: a fill that adds exposure is rejected when gross exposure would exceed maxLeverage × equity
 *    (leverage 1: a buy needs the cash for notional and fee); shorts only when allowed.
 * 11. IOC: whatever has not filled on the first eligible bar expires.
 */
export class SimBroker implements Broker {
  /** The simulated exchange account (the truth in a simulation). */
  readonly account: Ledger;
  private sink: BrokerSink | undefined;
  private readonly byInstrument = new Map<InstrumentId, Working[]>();
  private active = 0;
  private readonly o: Required<Omit<SimBrokerOptions, 'markets' | 'defaultMarket'>> & { markets: Readonly<Record<InstrumentId, MarketRules>>; defaultMarket: MarketRules };
  private lastPos: PositionState | undefined;

  constructor(opts: SimBrokerOptions) {
    this.o = {
      cash: opts.cash,
      makerFeeRate: opts.makerFeeRate,
      takerFeeRate: opts.takerFeeRate,
      fixedFee: opts.fixedFee ?? 0,
      slippage: opts.slippage ?? { kind: 'none' },
      volumeCap: opts.volumeCap ?? 0,
      maxLeverage: opts.maxLeverage ?? 1,
      allowShort: opts.allowShort ?? true,
      intrabar: opts.intrabar ?? 'pessimistic',
      markets: opts.markets ?? {},
      defaultMarket: opts.defaultMarket ?? UNRESTRICTED_MARKET,
      finer: opts.finer ?? {},
    };
    this.account = new Ledger(opts.cash, false);
  }

  connect(sink: BrokerSink): void {
    this.sink = sink;
  }

  private rules(instrument: InstrumentId): MarketRules {
    return this.o.markets[instrument] ?? this.o.defaultMarket;
  }

  submit(order: Order): void {
    const r = this.rules(order.instrument);
    let o = order;
    if (r.priceStep > 0 && (o.limitPrice !== undefined || o.stopPrice !== undefined)) {
      o = makeOrder(
        { ...o, limitPrice: o.limitPrice === undefined ? undefined : roundPrice(r, o.limitPrice), stopPrice: o.stopPrice === undefined ? undefined : roundPrice(r, o.stopPrice) },
        o.id, o.instrument, o.role, o.submittedAt, o.parentId,
      );
    }
    const w: Working = { order: o, remaining: NaN, filled: 0, triggered: false, trailStop: NaN, group: undefined, done: false, children: undefined };
    const fixedUnits = (o.size as { units?: number }).units;
    if (fixedUnits !== undefined) {
      const units = roundAmount(r, fixedUnits);
      if (!(units > 0)) return this.reject(o, `amount ${fixedUnits} rounds to zero on this market (amount step ${r.amountStep})`, o.submittedAt);
      w.remaining = units;
    }
    if (o.type === 'trailing-stop') {
      const ref = this.account.position(o.instrument).mark;
      if (Number.isNaN(ref)) return this.reject(o, 'a trailing stop needs a last price; submit it after the first bar', o.submittedAt);
      w.trailStop = trailLevel(o.side, ref, o.trail!);
    }
    this.add(w);
    this.update(w, 'open', o.submittedAt);
  }

  private find(id: string): Working | undefined {
    for (const list of this.byInstrument.values()) for (const w of list) if (w.order.id === id && !w.done) return w;
    return undefined;
  }

  cancel(id: string, time: EpochMs): void {
    const w = this.find(id);
    if (!w || w.done) return;
    this.finish(w, 'cancelled', time, 'cancelled by the strategy');
  }

  replace(id: string, changes: OrderChanges, time: EpochMs): void {
    const w = this.find(id);
    if (!w || w.done) return;
    const r = this.rules(w.order.instrument);
    const o = w.order;
    const next: Order = makeOrder(
      {
        ...o,
        limitPrice: changes.limitPrice !== undefined ? roundPrice(r, changes.limitPrice) : o.limitPrice,
        stopPrice: changes.stopPrice !== undefined ? roundPrice(r, changes.stopPrice) : o.stopPrice,
        size: changes.size ?? o.size,
      },
      o.id, o.instrument, o.role, o.submittedAt, o.parentId,
    );
    w.order = next;
    if (changes.size !== undefined) {
      w.remaining = 'units' in changes.size ? roundAmount(r, changes.size.units) - w.filled : NaN;
      if (w.remaining <= 0) return this.finish(w, 'cancelled', time, 'replaced with a size at or below the filled amount');
    }
    if (changes.stopPrice !== undefined && w.order.type === 'trailing-stop') w.trailStop = next.stopPrice!;
    this.update(w, w.filled > 0 ? 'partially-filled' : 'open', time);
  }

  onBar(bar: Bar): void {
    let pos = this.lastPos;
    if (pos === undefined || pos.instrument !== bar.instrument) pos = this.lastPos = this.account.position(bar.instrument);
    if (this.active === 0) {
      pos.mark = bar.close;
      return;
    }
    pos.mark = bar.open;
    const list = this.byInstrument.get(bar.instrument);
    if (list && list.length) this.processBar(list, bar);
    pos.mark = bar.close;
  }

  private processBar(list: Working[], bar: Bar): void {
    // Orders added while this bar is processed (bracket children) are appended beyond `n`.
    const n = list.length;
    // Market orders trade at the open, before anything that happens inside the bar.
    for (let i = 0; i < n; i++) {
      const w = list[i]!;
      if (!w.done && w.order.type === 'market' && w.order.submittedAt <= bar.openTime) this.processSingle(w, bar, bar.open);
    }
    let seen: Set<Working[]> | undefined;
    for (let i = 0; i < n; i++) {
      const w = list[i]!;
      if (w.done || w.order.type === 'market' || w.order.submittedAt > bar.openTime) continue;
      if (w.group) {
        seen ??= new Set();
        if (seen.has(w.group)) continue;
        seen.add(w.group);
        this.processGroup(w.group, bar, bar.open);
        continue;
      }
      this.processSingle(w, bar, bar.open);
    }
    for (let i = 0; i < n; i++) {
      const w = list[i]!;
      if (!w.done && w.order.type === 'trailing-stop') this.ratchet(w, bar);
    }
    this.compact(list);
  }

  /** One order on one bar, `from` being the first price it can see (the open, or an entry's fill price). */
  private processSingle(w: Working, bar: Bar, from: number): void {
    const c = this.candidate(w, bar, from);
    if (c) this.execute(c, bar, false);
    if (!w.done && w.order.timeInForce === 'IOC') this.finish(w, 'expired', bar.openTime, 'IOC: not filled on its first bar');
  }

  private processGroup(group: Working[], bar: Bar, from: number): void {
    const live = group.filter((g) => !g.done);
    if (live.length === 0) return;
    const hits: Candidate[] = [];
    for (const g of live) {
      const c = this.candidate(g, bar, from);
      if (c) hits.push(c);
    }
    if (hits.length === 0) return;
    let pick = hits.find((h) => h.atOpen);
    let ambiguous = false;
    let resolved = false;
    if (!pick && hits.length > 1) {
      const finer = this.o.finer[bar.instrument];
      pick = finer ? firstLegOnFinerBars(live, bar, from, finer, (g, b, f) => this.candidate(g, b, f)) : undefined;
      resolved = pick !== undefined;
    }
    if (!pick) {
      if (hits.length > 1) {
        ambiguous = true;
        const stops = hits.filter((h) => STOP_ROLES.has(h.w.order.role));
        const targets = hits.filter((h) => !STOP_ROLES.has(h.w.order.role));
        const worst = (hs: Candidate[]) => hs.reduce((a, b) => ((a.w.order.side === 'sell' ? b.price < a.price : b.price > a.price) ? b : a));
        pick = this.o.intrabar === 'pessimistic' ? worst(stops.length ? stops : hits) : targets.length ? targets[0]! : worst(hits);
      } else pick = hits[0]!;
    }
    this.execute(pick, bar, ambiguous, resolved);
    if (pick.w.done || pick.w.filled > 0) {
      for (const g of live) if (g !== pick.w && !g.done) this.finish(g, 'cancelled', bar.openTime, 'OCO: the other leg filled');
    }
  }

  /** Would this order fill on this bar, and at what price? (rules 2–5 above) */
  private candidate(w: Working, bar: Bar, from: number): Candidate | undefined {
    const o = w.order;
    const buy = o.side === 'buy';
    switch (o.type) {
      case 'market':
        return { w, price: this.slip(buy, from, bar), atOpen: true, liquidity: 'taker' };
      case 'limit':
        return limitHit(w, buy, o.limitPrice!, bar, from);
      case 'stop':
        return this.stopHit(w, buy, o.stopPrice!, bar, from);
      case 'trailing-stop':
        return this.stopHit(w, buy, w.trailStop, bar, from);
      case 'stop-limit': {
        const lim = o.limitPrice!;
        if (w.triggered) return limitHit(w, buy, lim, bar, from);
        const s = o.stopPrice!;
        if (buy ? from >= s : from <= s) {
          w.triggered = true;
          return (buy ? from <= lim : from >= lim) ? { w, price: from, atOpen: true, liquidity: 'taker' } : undefined;
        }
        if (buy ? bar.high >= s : bar.low <= s) {
          w.triggered = true;
          return (buy ? lim >= s : lim <= s) ? { w, price: s, atOpen: false, liquidity: 'taker' } : undefined;
        }
        return undefined;
      }
      default: {
        const never: never = o.type;
        throw new Error(`unknown order type ${String(never)}`);
      }
    }
  }

  private stopHit(w: Working, buy: boolean, s: number, bar: Bar, from: number): Candidate | undefined {
    // A stop that gaps through fills at the open, not at the stop price.
    if (buy ? from >= s : from <= s) return { w, price: this.slip(buy, from, bar), atOpen: true, liquidity: 'taker' };
    if (buy ? bar.high >= s : bar.low <= s) return { w, price: this.slip(buy, s, bar), atOpen: false, liquidity: 'taker' };
    return undefined;
  }

  private slip(buy: boolean, price: number, bar: Bar): number {
    const s = this.o.slippage;
    let p = price;
    if (s.kind === 'bps') p = buy ? price * (1 + s.bps / 10_000) : price * (1 - s.bps / 10_000);
    else if (s.kind === 'range') p = buy ? price + s.fraction * (bar.high - bar.low) : price - s.fraction * (bar.high - bar.low);
    else return price;
    return buy ? Math.min(p, Math.max(bar.high, price)) : Math.max(p, Math.min(bar.low, price));
  }

  private execute(c: Candidate, bar: Bar, ambiguous: boolean, intrabarResolved = false): void {
    const w = c.w;
    const o = w.order;
    const r = this.rules(o.instrument);
    const price = roundPrice(r, c.price);
    const feeRate = c.liquidity === 'maker' ? this.o.makerFeeRate : this.o.takerFeeRate;
    const pos = this.account.position(o.instrument);
    const time = bar.openTime;
    if (Number.isNaN(w.remaining)) {
      const raw = unitsFor(o.size, o.side, price, this.account.equity(), pos.size, feeRate, this.o.fixedFee, o.stopLoss);
      if (!(raw > 0)) {
        const why = (o.size as { closeAll?: true }).closeAll ? 'no position to close' : 'size resolves to zero units (not enough equity?)';
        return this.finish(w, 'rejected', time, why);
      }
      w.remaining = roundAmount(r, raw);
      const minErr = belowMinimum(r, w.remaining, price);
      if (minErr) return this.finish(w, 'rejected', time, minErr);
    }
    let amount = w.remaining;
    if (o.role !== 'signal') {
      // Bracket children only reduce the position.
      const reducible = o.side === 'sell' ? Math.max(0, pos.size) : Math.max(0, -pos.size);
      if (reducible <= 0) return this.finish(w, 'cancelled', time, 'position already closed');
      amount = Math.min(amount, reducible);
    }
    if (this.o.volumeCap > 0) {
      const cap = roundAmount(r, this.o.volumeCap * bar.volume);
      if (cap < amount) {
        amount = cap;
        if (!(amount > 0) || belowMinimum(r, amount, price)) return; // nothing fillable this bar; stays open
      }
    }
    const fee = amount * price * feeRate + this.o.fixedFee;
    const q = o.side === 'buy' ? amount : -amount;
    const after = pos.size + q;
    if (Math.abs(after) > Math.abs(pos.size) + 1e-12 * amount) {
      if (after < 0 && !this.o.allowShort) return this.finishOrReject(w, time, 'short selling is not allowed on this account');
      // Margin check on the account after this fill, marked at the fill price.
      const cash = this.account.cash - q * price - fee;
      let equity = cash + after * price;
      let gross = Math.abs(after) * price;
      for (const p of this.account.positions) {
        if (p === pos || p.size === 0) continue;
        equity += p.size * p.mark;
        gross += Math.abs(p.size * p.mark);
      }
      if (!(equity > 0) || gross > this.o.maxLeverage * equity * (1 + 1e-9)) {
        const need = `${(Math.abs(q) * price + fee).toFixed(2)}`;
        return this.finishOrReject(w, time, `insufficient funds: ${o.side} ${amount} ${o.instrument} at ${price} needs ${need} with leverage ${this.o.maxLeverage} (cash ${this.account.cash.toFixed(2)}, equity ${this.account.equity().toFixed(2)})`);
      }
    }
    const fill: Fill = { order: o, instrument: o.instrument, side: o.side, amount, price, fee, time, liquidity: c.liquidity, ambiguous, intrabarResolved };
    this.account.apply(fill);
    w.filled += amount;
    w.remaining = roundAmount(r, w.remaining - amount);
    if (w.remaining <= amount * 1e-12) w.remaining = 0;
    this.sink!.filled(fill);
    this.dropOrphanedChildren(o.instrument, pos, w, time);
    const first = w.filled === amount;
    if (w.remaining === 0) this.finish(w, 'filled', time);
    else this.update(w, 'partially-filled', time);
    if (o.role === 'signal' && (o.stopLoss !== undefined || o.takeProfit !== undefined || o.trailingStop !== undefined)) {
      this.attachBracket(w, amount, price, time, first);
      // Children are checked from the entry price on the entry bar itself.
      if (w.children && w.children.length) this.processGroup(w.children, bar, price);
    }
  }

  /**
   * Protective orders (stop-loss, take-profit, trailing stop) belong to the position their entry opened:
   * once a fill leaves nothing for them to reduce (closed by another order, or flipped), they are cancelled
   * at once. Left working, an old trade's stop would later close a newer position at the old level.
   */
  private dropOrphanedChildren(instrument: InstrumentId, pos: PositionState, filled: Working, time: EpochMs): void {
    const list = this.byInstrument.get(instrument);
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      // The filled order's own OCO legs are settled by processGroup.
      if (c.done || c === filled || c.order.role === 'signal' || (filled.group !== undefined && c.group === filled.group)) continue;
      const reducible = c.order.side === 'sell' ? pos.size : -pos.size;
      if (!(reducible > 0)) this.finish(c, 'cancelled', time, 'position closed');
    }
  }

  private finishOrReject(w: Working, time: EpochMs, reason: string): void {
    this.finish(w, w.filled > 0 ? 'cancelled' : 'rejected', time, reason);
  }

  private attachBracket(parent: Working, amount: number, price: number, time: EpochMs, first: boolean): void {
    if (!first && parent.children) {
      for (const c of parent.children) if (!c.done) c.remaining += amount;
      return;
    }
    const p = parent.order;
    const side: Side = p.side === 'buy' ? 'sell' : 'buy';
    const size = { units: amount };
    const children: Working[] = [];
    const mk = (spec: OrderSpec, suffix: string, role: OrderRole, trailStop = NaN): Working => ({
      order: makeOrder(spec, `${p.id}.${suffix}`, p.instrument, role, time, p.id),
      remaining: amount, filled: 0, triggered: false, trailStop, group: undefined, done: false, children: undefined,
    });
    if (p.stopLoss !== undefined) children.push(mk({ type: 'stop', side, size, stopPrice: p.stopLoss }, 'sl', 'stop-loss'));
    if (p.takeProfit !== undefined) children.push(mk({ type: 'limit', side, size, limitPrice: p.takeProfit }, 'tp', 'take-profit'));
    if (p.trailingStop !== undefined) children.push(mk({ type: 'trailing-stop', side, size, trail: p.trailingStop }, 'ts', 'trailing-stop', trailLevel(side, price, p.trailingStop)));
    for (const c of children) {
      c.group = children;
      this.add(c);
      this.update(c, 'open', time);
    }
    parent.children = children;
  }

  private ratchet(w: Working, bar: Bar): void {
    const t = w.order.trail ?? w.order.trailingStop;
    if (!t) return;
    if (w.order.side === 'sell') w.trailStop = Math.max(w.trailStop, trailLevel('sell', bar.high, t));
    else w.trailStop = Math.min(w.trailStop, trailLevel('buy', bar.low, t));
  }

  private add(w: Working): void {
    let list = this.byInstrument.get(w.order.instrument);
    if (!list) {
      list = [];
      this.byInstrument.set(w.order.instrument, list);
    }
    list.push(w);
    this.active++;
  }

  private compact(list: Working[]): void {
    let j = 0;
    for (let i = 0; i < list.length; i++) if (!list[i]!.done) list[j++] = list[i]!;
    truncate(list, j);
  }

  private reject(o: Order, reason: string, time: EpochMs): void {
    this.sink!.orderUpdated({ order: o, status: 'rejected', filled: 0, remaining: 0, reason, time });
  }

  private finish(w: Working, status: OrderStatus, time: EpochMs, reason?: string): void {
    if (w.done) return;
    w.done = true;
    this.active--;
    // Done orders leave the per-instrument list at the next bar's compaction.
    this.sink!.orderUpdated({ order: w.order, status, filled: w.filled, remaining: 0, reason, time });
    if (w.children && (status === 'cancelled' || status === 'rejected' || status === 'expired') && w.filled === 0) {
      for (const c of w.children) this.finish(c, 'cancelled', time, 'entry did not fill');
    }
  }

  private update(w: Working, status: OrderStatus, time: EpochMs): void {
    this.sink!.orderUpdated({ order: w.order, status, filled: w.filled, remaining: Number.isNaN(w.remaining) ? NaN : w.remaining, time });
  }
}

function limitHit(w: Working, buy: boolean, p: number, bar: Bar, from: number): Candidate | undefined {
  if (buy ? from <= p : from >= p) return { w, price: from, atOpen: true, liquidity: 'taker' };
  if (buy ? bar.low <= p : bar.high >= p) return { w, price: p, atOpen: false, liquidity: 'maker' };
  return undefined;
}

/** The stop level a trail puts behind a price: below it for a sell stop, above for a buy stop. */
function trailLevel(side: Side, ref: number, t: Trail): number {
  const d = 'distance' in t ? t.distance : ref * t.fraction;
  return side === 'sell' ? ref - d : ref + d;
}

/**
 * Replays the finer bars inside `bar` for an OCO group that `bar` cannot decide: the first finer bar on
 * which exactly one leg (or one at that finer bar's open) would fill decides. Undefined when a finer bar
 * touches several legs, or when the finer bars touch none (they disagree with the coarse bar).
 */
function firstLegOnFinerBars(
  legs: readonly Working[], bar: Bar, from: number, finer: FinerBars, candidate: (w: Working, b: Bar, from: number) => Candidate | undefined,
): Candidate | undefined {
  const t = finer.bars;
  const end = bar.openTime + timeframeMs(bar.timeframe);
  const lo = lowerBound(t.openTime, bar.openTime);
  for (let i = lo; i < t.length && t.openTime[i]! < end; i++) {
    const fine: Bar = { instrument: bar.instrument, timeframe: finer.timeframe, openTime: t.openTime[i]!, open: t.open[i]!, high: t.high[i]!, low: t.low[i]!, close: t.close[i]!, volume: t.volume[i]! };
    const hits: Candidate[] = [];
    for (const g of legs) {
      const c = candidate(g, fine, i === lo ? from : fine.open);
      if (c) hits.push(c);
    }
    if (hits.length === 0) continue;
    if (hits.length === 1) return hits[0];
    return hits.find((h) => h.atOpen);
  }
  return undefined;
}
