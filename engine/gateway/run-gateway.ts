import path from 'node:path';
import { homePaths } from '../../config/index.js';
import type { Clock } from '../ports/index.js';
import { loadMasterKey } from '../signing/secret-box.js';
import { openSecurityStore } from '../../data/store/security-store.js';
import { openPaperBook } from '../../data/store/security-paper-book.js';
import { startWalCheckpointer, type WalCheckpointer } from '../../data/store/security-checkpointer.js';
import { WalSync } from '../../data/store/security-wal-sync.js';
import type { GatewayConfig } from './config.js';
import { Gateway } from './server.js';
import { PaperOrderIntake, type Venue } from './paper-intake.js';
import type { OrderIntake } from '../ports/index.js';
import { UserError } from '../domain/index.js';
import type { Config } from '../../config/index.js';
import type { SecretBox } from '../signing/secret-box.js';

/** `candlekeep serve --exchange <id> --account <name>`: gateway orders go to this exchange account (live). */
export type LiveGatewaySettings = {
  readonly exchangeId: string;
  readonly account: string;
  /** Binance-compatible base URL replacing the real one (the local exchange). */
  readonly exchangeUrl?: string;
  /** Config `live` (receive window, timeouts, risk limits). */
  readonly live: Config['live'];
  readonly logLevel?: Config['log']['level'];
};

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Under load the security database commits at most every 2 ms: a batch then writes each shared page (audit
 * table, nonce expiry index, outbox) once for many requests, at the price of ≤ 2 ms added to a reply.
 */
const COMMIT_INTERVAL_MS = 2;
/** The paper book is written after the reply (hand-off), so its batches may be longer. */
const PAPER_COMMIT_INTERVAL_MS = 10;

export type RunningGateway = {
  readonly gateway: Gateway;
  readonly intake: OrderIntake;
  readonly url: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
};

/**
 * Composition root of `candlekeep serve`: master key → security store → order intake → gateway → listen.
 * The intake defaults to the paper book (`<home>/paper-book.db`); a live broker passes its own `intake`.
 */
export async function startGateway(o: {
  home: string;
  config: GatewayConfig;
  env: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  clock?: Clock;
  log?: (msg: string) => void;
  intake?: OrderIntake;
  venue?: Venue;
  /** Use the live order intake (stored exchange key, trading.db journal) instead of the paper book. */
  live?: LiveGatewaySettings;
}): Promise<RunningGateway> {
  const paths = homePaths(o.home);
  const clock = o.clock ?? systemClock;
  const log = o.log ?? (() => {});
  const box = loadMasterKey({
    env: o.env, keyFile: paths.masterKeyFile, create: true,
    onCreate: (f) => log(`created a new master key in "${f}" (mode 0600); keep it safe — API key secrets cannot be recovered without it`),
  });
  const store = openSecurityStore(paths.securityDb);
  let intake = o.intake;
  let gateway: Gateway;
  let checkpointer: WalCheckpointer | undefined;
  // Replies wait until their group commit is on disk: COMMIT syncs under synchronous=FULL (SIGNING.md 6.4), or with
  // commitSync "off-thread" the WAL's fdatasync runs on the thread pool and the replies wait for it (see WalSync).
  const walSync = new WalSync(store.db, { commitSyncs: o.config.commitSync === 'full' });
  try {
    if (!intake && o.live) intake = await openLiveIntake(o.live, paths, box);
    if (!intake) {
      const book = openPaperBook(path.join(o.home, 'paper-book.db'));
      // The book's writes (and their syncs and checkpoints) run on its own writer thread; this thread only reads it.
      book.writeOffThread();
      intake = new PaperOrderIntake({ book, clock, venue: o.venue, cash: o.config.paper.cash, currency: o.config.paper.currency, commitIntervalMs: PAPER_COMMIT_INTERVAL_MS });
      checkpointer = startWalCheckpointer([{ db: store.db, sync: walSync }], { log });
    } else {
      checkpointer = startWalCheckpointer([{ db: store.db, sync: walSync }], { log });
    }
    gateway = new Gateway({ store, box, clock, intake, config: o.config, log, durable: () => walSync.sync(), hold: () => walSync.holding(), commitIntervalMs: COMMIT_INTERVAL_MS });
    const gw = gateway;
    // Outcomes that were unknown and are now reconciled (live intakes) get an `order.reconciled` audit row.
    intake.onReconciled?.((r) => gw.queue.push({
      run: () => store.audit.append({
        at: clock.now(), event: 'order.reconciled', outcome: 'ok', principal: r.order.principal,
        reason: r.order.reason, detail: JSON.stringify({ intentId: r.order.intentId, clientOrderId: r.order.clientOrderId, status: r.order.status, filledAmount: r.order.filledAmount, averagePrice: r.order.averagePrice }),
      }),
      done: (res) => { if (!res.ok) log(`could not audit order.reconciled for ${r.order.clientOrderId}: ${(res.error as Error).message ?? res.error}`); },
    }));
  } catch (e) {
    await checkpointer?.close();
    await walSync.close();
    store.close();
    await intake?.close();
    throw e;
  }
  const ownIntake = o.intake === undefined;
  let addr: Awaited<ReturnType<Gateway['listen']>>;
  try {
    addr = await gateway.listen(o.port ?? o.config.port, o.host ?? o.config.host);
  } catch (e) {
    // A busy port: stop the background checkpoints and close what this call opened.
    await gateway.close().catch(() => {});
    if (ownIntake) await intake.close();
    await checkpointer?.close();
    await walSync.close();
    store.close();
    throw e;
  }
  return {
    gateway, intake, ...addr,
    close: async () => {
      intake.onReconciled?.(undefined);
      await gateway.close();
      if (ownIntake) await intake.close();
      await checkpointer?.close();
      await walSync.close();
      store.close();
    },
  };
}

/** Opens the live intake: the account's stored exchange key (sealed with the master key), trading.db's journal, `live.risk`. */
async function openLiveIntake(l: LiveGatewaySettings, paths: ReturnType<typeof homePaths>, box: SecretBox): Promise<OrderIntake> {
  const { openTradingDb } = await import('../../data/store/order-journal.js');
  const { ExchangeKeyStore } = await import('../../data/store/exchange-keys.js');
  const { PersistedNonce } = await import('../../data/store/live-nonces.js');
  const { GatewayOrderIntake, keyStoreCredentials } = await import('../brokers/ccxt/index.js');
  const { createLogger } = await import('../log/index.js');
  const db = openTradingDb(paths.tradingDb);
  try {
    const keys = new ExchangeKeyStore(db, box);
    keys.purgeRetired();
    const info = keys.info(l.account);
    if (!info) {
      throw new UserError(`no exchange API key for account "${l.account}"; add one with: candlekeep keys exchange add --exchange ${l.exchangeId} --account ${l.account} (the secret is read from stdin or a prompt)`);
    }
    if (info.exchange !== l.exchangeId) throw new UserError(`--account: account "${l.account}" holds a ${info.exchange} key, not ${l.exchangeId} (--exchange)`);
    const log = createLogger({ level: l.logLevel ?? 'info', dest: path.join(paths.logs, `gateway-live-${new Date().toISOString().slice(0, 10)}.jsonl`) });
    const exchangeUrl = l.exchangeUrl ?? l.live.exchangeUrl;
    return await GatewayOrderIntake.open({
      tradingDb: db, exchangeId: l.exchangeId, accountId: l.account, credentials: keyStoreCredentials(keys, l.account, l.exchangeId), risk: l.live.risk, log,
      recvWindowMs: l.live.recvWindowMs, timeoutMs: l.live.timeoutMs, timeSyncIntervalMs: l.live.timeSyncIntervalMs, safetyMarginMs: l.live.safetyMarginMs,
      ...(exchangeUrl ? { baseUrl: exchangeUrl } : {}),
      ...(l.exchangeId === 'kraken' ? { nonce: new PersistedNonce(db, `${l.account}:kraken`) } : {}),
      onClose: () => db.close(),
    }).catch((e: unknown) => {
      if (e instanceof UserError) throw e;
      // Unreachable exchange, a refused key, a failed clock sync: one line for the user, never a stack trace.
      throw new UserError(`could not open the ${l.exchangeId} account "${l.account}"${exchangeUrl ? ` at ${exchangeUrl}` : ''}: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`);
    });
  } catch (e) {
    db.close();
    throw e;
  }
}
