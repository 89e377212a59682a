import type { Bar, EpochMs, InstrumentId } from '../domain/index.js';

/** Buy or sell. */
export type Side = 'buy' | 'sell';

/**
 * How much to trade. Resolved to units by the broker at the moment the order is priced (for a
 * simulated market order: at the next bar's open), then rounded to the market's rules at one seam.
 * - `units`: base-currency amount.
 * - `quote`: quote-currency notional (fees excluded).
 * - `equityFraction`: this fraction of account equity, fees included (1 = all-in).
 * - `risk`: lose at most this fraction of equity if the order's `stopLoss` is hit (distance to stop).
 * - `closeAll`: the whole open position of the instrument (side must reduce it).
 * `lot` (optional) additionally rounds the units down to a multiple of it (e.g. 1 = whole units).
 */
export type SizeSpec =
  | { readonly units: number }
  | { readonly quote: number; readonly lot?: number }
  | { readonly equityFraction: number; readonly lot?: number }
  | { readonly risk: number; readonly lot?: number }
  | { readonly closeAll: true };

export type OrderType = 'market' | 'limit' | 'stop' | 'stop-limit' | 'trailing-stop';

/** GTC: works until filled or cancelled. IOC: whatever does not fill on its first eligible bar is cancelled. */
export type TimeInForce = 'GTC' | 'IOC';

/** A trailing distance: absolute price distance or a fraction of the best price seen. */
export type Trail = { readonly distance: number } | { readonly fraction: number };

/** What a strategy submits (ctx.submit). */
export type OrderSpec = {
  readonly type: OrderType;
  readonly side: Side;
  readonly size: SizeSpec;
  /** Defaults to the strategy's primary instrument. */
  readonly instrument?: InstrumentId;
  /** Limit price (limit, stop-limit). */
  readonly limitPrice?: number;
  /** Trigger price (stop, stop-limit). */
  readonly stopPrice?: number;
  /** Trailing distance (trailing-stop orders, or an attached trailing stop). */
  readonly trail?: Trail;
  readonly timeInForce?: TimeInForce;
  /** Attached exit orders, placed for the filled amount when this order fills (OCO bracket). */
  readonly stopLoss?: number;
  readonly takeProfit?: number;
  readonly trailingStop?: Trail;
  /** Free text kept with the order (shows in logs and trades). */
  readonly tag?: string;
};

/** Why an order exists: the strategy's own, or a child of a bracket. */
export type OrderRole = 'signal' | 'stop-loss' | 'take-profit' | 'trailing-stop';

/** An order as the kernel hands it to a broker: the spec plus identity. */
export type Order = OrderSpec & {
  readonly id: string;
  readonly instrument: InstrumentId;
  readonly timeInForce: TimeInForce;
  readonly role: OrderRole;
  /** Id of the entry order for bracket children. */
  readonly parentId?: string;
  /** Clock time at submission. */
  readonly submittedAt: EpochMs;
};

export type OrderStatus = 'open' | 'partially-filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/** Changes for ctx.replace: new prices and/or size for a working order. */
export type OrderChanges = {
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly size?: SizeSpec;
};

/** A state change of an order (past tense: it happened). */
export type OrderUpdate = {
  readonly order: Order;
  readonly status: OrderStatus;
  /** Units filled so far and still open (remaining is 0 for terminal states). */
  readonly filled: number;
  readonly remaining: number;
  /** Why it was rejected, cancelled or expired. */
  readonly reason?: string;
  readonly time: EpochMs;
};

/** One execution. `amount` > 0 in base units; `fee` in quote currency. */
export type Fill = {
  readonly order: Order;
  readonly instrument: InstrumentId;
  readonly side: Side;
  readonly amount: number;
  readonly price: number;
  readonly fee: number;
  readonly time: EpochMs;
  /** Maker (resting limit) or taker. */
  readonly liquidity: 'maker' | 'taker';
  /** True when the bar could have hit both the stop-loss and the take-profit (resolved by the intrabar rule). */
  readonly ambiguous: boolean;
  /** True when such a bar was decided by the finer bars inside it (the simulator's `finer` option): not ambiguous. */
  readonly intrabarResolved?: boolean;
};

/** Where a broker reports what happened. Called synchronously or later; the kernel queues for the strategy. */
export interface BrokerSink {
  orderUpdated(u: OrderUpdate): void;
  filled(f: Fill): void;
}

/**
 * A broker executes orders. Contract:
 * - `submit` never throws for a business reason: a refused order is reported as `rejected` through the sink
 *   (insufficient funds, below the minimum notional, unknown instrument…).
 * - Every accepted order is reported `open` first, then fills and a terminal status.
 * - `onBar` gives the broker each closed bar of the execution series: a simulating broker fills against it,
 *   an exchange broker ignores it. Modes differ only by which Broker is plugged in.
 *
 * Adding a new broker: implement this interface, run the broker contract suite against it, and wire it in
 * a composition root (engine/app); never branch on a mode in the kernel.
 */
export interface Broker {
  connect(sink: BrokerSink): void;
  submit(order: Order): void;
  cancel(id: string, time: EpochMs): void;
  replace(id: string, changes: OrderChanges, time: EpochMs): void;
  onBar(bar: Bar): void;
}
