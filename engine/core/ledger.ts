import type { ClosedTrade, EpochMs, InstrumentId } from '../domain/index.js';
import type { Fill, OrderRole } from '../ports/index.js';

/** One instrument's position in the ledger; also the strategy's live PositionView. */
export class PositionState {
  /** Signed base units: > 0 long, < 0 short. */
  size = 0;
  entryPrice = NaN;
  entryTime: EpochMs = 0;
  /** Entry fees not yet attributed to a closed trade. */
  entryFees = 0;
  entryOrderId = '';
  /** Last price seen (bar close), for marking to market. */
  mark = NaN;
  constructor(readonly instrument: InstrumentId) {}
  get isFlat(): boolean {
    return this.size === 0;
  }
  get isLong(): boolean {
    return this.size > 0;
  }
  get isShort(): boolean {
    return this.size < 0;
  }
}

const EXIT_REASON: Record<OrderRole, string> = {
  signal: 'signal',
  'stop-loss': 'stop-loss',
  'take-profit': 'take-profit',
  'trailing-stop': 'trailing-stop',
};

/**
 * One cash ledger across instruments. Cash moves by notional and fees on every fill; positions are
 * signed with an average entry price; reducing fills close trades (FIFO-free, average-price accounting).
 * Equity = cash + Σ size × mark, which holds for longs and shorts alike.
 */
export class Ledger {
  cash: number;
  feesPaid = 0;
  readonly trades: ClosedTrade[] = [];
  /** Every instrument ever touched, in first-seen order (iteration order is deterministic). */
  readonly positions: PositionState[] = [];
  private readonly byId = new Map<InstrumentId, PositionState>();

  /** `recordTrades: false` for a ledger that only checks funds (the simulated exchange's). */
  constructor(cash: number, private readonly recordTrades = true) {
    this.cash = cash;
  }

  position(instrument: InstrumentId): PositionState {
    let p = this.byId.get(instrument);
    if (!p) {
      p = new PositionState(instrument);
      this.byId.set(instrument, p);
      this.positions.push(p);
    }
    return p;
  }

  equity(): number {
    let e = this.cash;
    const ps = this.positions;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      if (p.size !== 0) e += p.size * p.mark;
    }
    return e;
  }

  /** Σ |size| × mark: the exposure the leverage limit applies to. */
  grossExposure(): number {
    let g = 0;
    for (const p of this.positions) if (p.size !== 0) g += Math.abs(p.size * p.mark);
    return g;
  }

  /** Positions currently open (kept on every fill, so inMarket is O(1)). */
  private openCount = 0;

  inMarket(): boolean {
    return this.openCount > 0;
  }

  apply(f: Fill): void {
    const amount = f.amount;
    const q = f.side === 'buy' ? amount : -amount;
    // Cash moves by the notional, then by the fee (this order of operations matches the reference).
    this.cash = this.cash - q * f.price;
    this.cash = this.cash - f.fee;
    this.feesPaid += f.fee;
    const p = this.position(f.instrument);
    p.mark = Number.isNaN(p.mark) ? f.price : p.mark;
    if (p.size === 0 || (p.size > 0) === (q > 0)) {
      this.open(p, q, f.price, f.fee, f.time, f.order.id);
      return;
    }
    const held = Math.abs(p.size);
    const closeAmt = Math.min(amount, held);
    const exitFee = (f.fee * closeAmt) / amount;
    const entryFee = (p.entryFees * closeAmt) / held;
    const dir = p.size > 0 ? 1 : -1;
    const fees = entryFee + exitFee;
    const pnl = (f.price - p.entryPrice) * closeAmt * dir - fees;
    if (this.recordTrades) this.trades.push({
      instrument: f.instrument,
      direction: dir > 0 ? 'long' : 'short',
      size: closeAmt,
      entryTime: p.entryTime,
      entryPrice: p.entryPrice,
      exitTime: f.time,
      exitPrice: f.price,
      fees,
      pnl,
      returnFrac: pnl / (closeAmt * p.entryPrice),
      entryOrderId: p.entryOrderId,
      exitOrderId: f.order.id,
      exitReason: EXIT_REASON[f.order.role],
    });
    p.entryFees -= entryFee;
    if (amount < held) {
      p.size = p.size + q;
      if (Math.abs(p.size) <= held * 1e-12) this.flat(p);
    } else {
      this.flat(p);
      const rest = amount - closeAmt;
      if (rest > held * 1e-12 && rest > 0) this.open(p, q > 0 ? rest : -rest, f.price, f.fee - exitFee, f.time, f.order.id);
    }
  }

  private open(p: PositionState, q: number, price: number, fee: number, time: EpochMs, orderId: string): void {
    if (p.size === 0) {
      this.openCount++;
      p.entryPrice = price;
      p.entryTime = time;
      p.entryOrderId = orderId;
      p.entryFees = fee;
      p.size = q;
      return;
    }
    const held = Math.abs(p.size);
    const add = Math.abs(q);
    p.entryPrice = (held * p.entryPrice + add * price) / (held + add);
    p.entryFees += fee;
    p.size = p.size + q;
  }

  private flat(p: PositionState): void {
    if (p.size !== 0) this.openCount--;
    p.size = 0;
    p.entryPrice = NaN;
    p.entryFees = 0;
    p.entryOrderId = '';
  }
}
