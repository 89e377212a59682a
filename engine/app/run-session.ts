import fs from 'node:fs';
import { homePaths, loadConfig } from '../../config/index.js';
import { UserError, parseInstrument, parseTimeframe, type Timeframe } from '../domain/index.js';
import type { ParamValue } from '../api/index.js';
import { loadStrategy } from './load-strategy.js';
import { LiveSession, type LiveSettings, type SessionStatus } from './run-live.js';
import { openTradingDb } from '../../data/store/order-journal.js';
import { ExchangeKeyStore } from '../../data/store/exchange-keys.js';
import { loadMasterKey } from '../signing/secret-box.js';
import { createLogger } from '../log/index.js';
import { clearExchangeInstances } from '../brokers/ccxt/index.js';

export type SessionCommand = {
  readonly mode: 'paper' | 'live';
  readonly home: string;
  readonly configFile?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly strategy: string;
  readonly instrument: string;
  readonly timeframe: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly exchangeUrl?: string;
  readonly account?: string;
  readonly confirmLive?: boolean;
  readonly pollMs?: number;
  readonly warmupBars?: number;
  readonly cash?: number;
  /** Stop after this many primary bars (practice runs, tests); default: until stopped. */
  readonly maxBars?: number;
  readonly onStatus?: (s: SessionStatus) => void;
  readonly onStart?: (sessionId: string, logFile: string) => void;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<void>;
};

/** Runs a paper or live session until stopped; returns the final status. Shared by `candlekeep paper` and `candlekeep live`. */
export async function runSessionCommand(c: SessionCommand): Promise<SessionStatus> {
  const config = loadConfig({ home: c.home, ...(c.configFile ? { file: c.configFile } : {}), env: c.env });
  const live = config.live;
  if (c.mode === 'live' && !(c.confirmLive || live.confirmLive)) {
    throw new UserError('live trading places real orders: add --confirm-live (or set live.confirmLive in the config)');
  }
  const inst = parseInstrument(c.instrument, '--instrument');
  const timeframe: Timeframe = parseTimeframe(c.timeframe, '--timeframe');
  const paths = homePaths(c.home);
  const account = c.account ?? live.account;
  const db = openTradingDb(paths.tradingDb);
  const logFile = `${paths.logs}/${c.mode}-${new Date().toISOString().slice(0, 10)}.jsonl`;
  const log = createLogger({ level: config.log.level, dest: logFile });
  let box;
  if (c.mode === 'live') {
    const store = new ExchangeKeyStore(db, { seal: () => { throw new Error('read only'); }, open: () => '', fingerprint: '' });
    if (!store.info(account)) {
      db.close();
      throw new UserError(`no exchange API key for account "${account}"; add one with: candlekeep keys exchange add --exchange ${inst.exchange} --account ${account} (the secret is read from stdin or a prompt)`);
    }
    box = loadMasterKey({ env: c.env, keyFile: paths.masterKeyFile, create: false });
  }
  const settings: LiveSettings = {
    account, recvWindowMs: live.recvWindowMs, timeoutMs: live.timeoutMs, timeSyncIntervalMs: live.timeSyncIntervalMs,
    safetyMarginMs: live.safetyMarginMs, verbose: live.verbose, risk: live.risk,
    ...(c.exchangeUrl ?? live.exchangeUrl ? { exchangeUrl: (c.exchangeUrl ?? live.exchangeUrl)! } : {}),
  };
  const strategy = await loadStrategy(c.strategy);
  const { openBarStore } = await import('../../data/store/bar-store.js');
  const barStore = openBarStore(c.home);
  clearExchangeInstances();
  let session: LiveSession | undefined;
  try {
    session = await LiveSession.open(c.mode, {
      strategy, params: c.params, instrument: inst.id, timeframe, tradingDb: db, settings, log, store: barStore,
      pollMs: c.pollMs ?? 1000, warmupBars: c.warmupBars ?? 0, cash: c.cash ?? config.backtest.cash, feeRate: config.backtest.feeRate,
      ...(box ? { box } : {}),
      onStatus: (s) => c.onStatus?.(s),
    });
    c.onStart?.(session.sessionId, logFile);
    const s = session;
    await new Promise<void>((resolve) => {
      void c.stopSignal.then(resolve);
      const t = setInterval(() => {
        if (s.stopped || (c.maxBars !== undefined && s.status().bars >= c.maxBars)) {
          clearInterval(t);
          resolve();
        }
      }, 100);
      void c.stopSignal.then(() => clearInterval(t));
    });
    await s.stop();
    return s.status();
  } catch (e) {
    await session?.stop('crashed').catch(() => undefined);
    throw e;
  } finally {
    barStore.close();
    db.close();
  }
}

/** Opens the trading database of a home for the `live` control subcommands. */
export function openSessions(home: string) {
  const file = homePaths(home).tradingDb;
  if (!fs.existsSync(file)) throw new UserError(`no sessions yet in "${home}" (start one with candlekeep paper … or candlekeep live …)`);
  return openTradingDb(file);
}
