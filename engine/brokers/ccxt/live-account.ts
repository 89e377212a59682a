import type { JournalRow, OrderJournal } from '../../../data/store/order-journal.js';
import type { Logger } from '../../log/index.js';
import { ClockSync, installMonotonicNonce } from './clock-sync.js';
import { loadCcxt, type CcxtModule } from './ccxt-types.js';
import { ExchangeGate } from './exchange-gate.js';
import { getExchange, type CredentialSource, type ExchangeHandle } from './exchange-factory.js';
import { OrderPath } from './order-path.js';

export type LiveAccountOptions = {
  readonly exchangeId: string;
  readonly accountId: string;
  readonly credentials: CredentialSource;
  readonly journal: OrderJournal;
  readonly log: Logger;
  readonly baseUrl?: string;
  readonly recvWindowMs?: number;
  readonly timeoutMs?: number;
  readonly verbose?: boolean;
  readonly safetyMarginMs?: number;
  readonly timeSyncIntervalMs?: number;
  readonly resendsAfterNotPlaced?: number;
  readonly unknownAlertMs?: number;
  /** Kraken: a persisted monotonic nonce generator (data/store/live-nonces.ts). */
  readonly nonce?: { next(): number };
};

/** One exchange account wired for live trading: ccxt instance (A1), gate (A7), clock sync (A2), order path (A5/A6). */
export type LiveAccount = {
  readonly ccxt: CcxtModule;
  readonly handle: ExchangeHandle;
  readonly gate: ExchangeGate;
  readonly clock: ClockSync;
  readonly path: OrderPath;
  /** Listeners of journal state changes (the broker registers itself). */
  readonly listeners: Array<(row: JournalRow, prev: JournalRow | undefined) => void>;
  readonly stuckListeners: Array<(row: JournalRow) => void>;
  stop(): void;
};

/**
 * Opens an account: loads markets, syncs the clock, and reconciles every unsettled journal row
 * (SUBMITTING/UNKNOWN) before returning — so no strategy runs before the journal agrees with the exchange.
 */
export async function openLiveAccount(o: LiveAccountOptions): Promise<LiveAccount> {
  const ccxt = await loadCcxt();
  const handle = await getExchange({
    exchangeId: o.exchangeId, accountId: o.accountId, credentials: o.credentials,
    ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
    ...(o.recvWindowMs !== undefined ? { recvWindowMs: o.recvWindowMs } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.verbose !== undefined ? { verbose: o.verbose } : {}),
  });
  if (o.nonce) installMonotonicNonce(handle, o.nonce);
  const log = o.log.child({ exchange: o.exchangeId, account: o.accountId });
  const gate = new ExchangeGate(handle, log);
  const clock = new ClockSync(handle, gate, log, {
    recvWindowMs: handle.recvWindowMs,
    ...(o.safetyMarginMs !== undefined ? { safetyMarginMs: o.safetyMarginMs } : {}),
    ...(o.timeSyncIntervalMs !== undefined ? { intervalMs: o.timeSyncIntervalMs } : {}),
  });
  const listeners: LiveAccount['listeners'] = [];
  const stuckListeners: LiveAccount['stuckListeners'] = [];
  const path = new OrderPath(ccxt, handle, o.journal, gate, clock, log, {
    ...(o.resendsAfterNotPlaced !== undefined ? { resendsAfterNotPlaced: o.resendsAfterNotPlaced } : {}),
    ...(o.unknownAlertMs !== undefined ? { unknownAlertMs: o.unknownAlertMs } : {}),
    onChange: (row, prev) => { for (const f of listeners) f(row, prev); },
    onStuck: (row) => { for (const f of stuckListeners) f(row); },
  });
  await gate.run('loadMarkets', () => handle.exchange.loadMarkets());
  if (o.exchangeId !== 'kraken') await clock.start();
  const settled = await path.reconcileUnsettled();
  if (settled.length) log.info({ reconciled: settled.map((r) => ({ clientOrderId: r.clientOrderId, state: r.state })) }, 'journal reconciled at start-up');
  return { ccxt, handle, gate, clock, path, listeners, stuckListeners, stop: () => clock.stop() };
}
