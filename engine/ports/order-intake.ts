import type { EpochMs } from '../domain/index.js';
import type { OrderIntent } from '../core/client-order-id.js';

/**
 * Order intake: where the signed gateway hands over orders and commands it has authenticated,
 * de-duplicated and journaled (security DB), so they go through the SAME risk checks, order journal
 * and broker as strategy orders (paper or live).
 *
 * Contract (every implementation; the gateway relies on it):
 * - `submit` is idempotent by `clientOrderId`: a second submit of the same id changes nothing and resolves.
 *   The gateway re-submits every intent it has not seen acknowledged after a restart (outbox).
 * - `submit` resolves once the order is PERSISTED and ENQUEUED, and never waits for exchange I/O:
 *   risk checks and execution run asynchronously; outcomes show up in `listOrders`.
 * - Read methods (`listOrders`, `positions`, `balances`) answer from local state (journal/book),
 *   never from a blocking exchange call, so they stay fast while an exchange stalls.
 * - Commands: `pause` stops new orders from executing (they are recorded and rejected with reason
 *   "paused"), `resume` lifts it, `flatten` cancels open orders and closes positions with market orders.
 * - Nothing here imports ccxt; a live implementation wraps its broker behind this interface.
 *
 * Plugging a broker in (checklist):
 * 1. Implement OrderIntake next to the broker/journal (not in engine/gateway). `submit`: INSERT the journal row
 *    (client_order_id UNIQUE = `order.clientOrderId`, or `clientOrderIdFor(exchangeId, order.intent).id` for
 *    Kraken/Coinbase formats; an existing id → resolve without change), commit (synchronous=FULL), enqueue into the
 *    live driver's queue, resolve. Risk checks and createOrder run from that queue, like strategy orders.
 * 2. Map journal states to IntakeOrderStatus: PLANNED → accepted; SUBMITTING/UNKNOWN → unknown; ACKED → open;
 *    FILLED → filled; CANCELED → canceled; REJECTED/NOT_PLACED → rejected (with the reason).
 * 3. Hand it to the gateway: `startGateway({ home, config, env, intake })` (engine/gateway/run-gateway.ts); the
 *    gateway never closes an intake it did not create.
 * 4. Run the gateway tests' flows against it (orders, cancel, pause/resume/flatten, the stalled-exchange test).
 * Implementations: PaperOrderIntake (engine/gateway/paper-intake.ts, the default) and GatewayOrderIntake
 * (engine/brokers/ccxt/gateway-intake.ts, `candlekeep serve --exchange <id> --account <name> --confirm-live`).
 */
export type IntakeOrder = {
  /** Caller's idempotency id (≤ 128 printable ASCII chars, no '|'). */
  readonly intentId: string;
  /** Key principal (`alice`) or TradingView route principal (`tv:<routeId>`). */
  readonly principal: string;
  readonly source: 'api' | 'tradingview';
  /** The A4 tuple the client order id was derived from (intentKind = manual). */
  readonly intent: OrderIntent;
  /** `clientOrderId(intent)`: "ck" + 30 hex. Kraken/Coinbase formats: `clientOrderIdFor(exchangeId, intent)`. */
  readonly clientOrderId: string;
  /** ccxt unified symbol, e.g. BTC/USDT. */
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit';
  /** Decimal strings exactly as the caller sent them (rounded to market precision by the broker). */
  readonly amount: string;
  readonly price: string | null;
  readonly receivedAt: EpochMs;
};

/** accepted = persisted, not yet executed; unknown = sent, outcome not yet reconciled (live). */
export type IntakeOrderStatus = 'accepted' | 'open' | 'filled' | 'canceled' | 'rejected' | 'unknown';

export type IntakeOrderView = {
  readonly clientOrderId: string;
  readonly intentId: string;
  readonly principal: string;
  readonly source: 'api' | 'tradingview';
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit';
  readonly amount: string;
  readonly price: string | null;
  readonly status: IntakeOrderStatus;
  readonly filledAmount: number;
  readonly averagePrice: number | null;
  /** Why it was rejected or canceled (risk check, paused, flatten, user). */
  readonly reason: string | null;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
};

export type OrderFilter = { readonly status?: IntakeOrderStatus; readonly symbol?: string; readonly limit?: number };

export type PositionView = { readonly symbol: string; readonly amount: number; readonly averagePrice: number | null };
export type BalanceView = { readonly currency: string; readonly total: number };

export type CancelResult =
  | { readonly ok: true; readonly order: IntakeOrderView }
  | { readonly ok: false; readonly reason: 'not_found' | 'not_cancelable' };

export type FlattenResult = { readonly canceled: number; readonly closing: number };

/** An order whose outcome was unknown (sent, reply lost or late) and is now known (SIGNING.md A6): audited as `order.reconciled`. */
export type ReconciledOrder = { readonly order: IntakeOrderView; readonly at: EpochMs };

export interface OrderIntake {
  submit(order: IntakeOrder): Promise<void>;
  /** Cancels by client order id. */
  cancel(clientOrderId: string, by: string): Promise<CancelResult>;
  listOrders(filter: OrderFilter): Promise<IntakeOrderView[]>;
  positions(): Promise<PositionView[]>;
  balances(): Promise<BalanceView[]>;
  pause(by: string): Promise<void>;
  resume(by: string): Promise<void>;
  flatten(by: string): Promise<FlattenResult>;
  isPaused(): boolean;
  /**
   * Optional (live intakes): registers the one listener told when an unknown outcome has been reconciled;
   * `undefined` unregisters it. The gateway writes an `order.reconciled` audit row for each.
   */
  onReconciled?(listener: ((r: ReconciledOrder) => void) | undefined): void;
  /** Stops background work and closes storage; pending writes are flushed first. */
  close(): Promise<void>;
}
