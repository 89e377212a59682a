/** Shared set-up for the live/broker integration tests: a local exchange, a journal, one live account. */
import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import { startLocalExchange, type LocalExchange } from '../../engine/local-exchange/index.js';
import { OrderJournal } from '../../data/store/order-journal.js';
import { createLogger, type Logger } from '../../engine/log/index.js';
import { openLiveAccount, type LiveAccount } from '../../engine/brokers/ccxt/live-account.js';
import { clearExchangeInstances, type CredentialSource } from '../../engine/brokers/ccxt/exchange-factory.js';
import type { OrderIntent } from '../../engine/core/client-order-id.js';
import { tempDir, rm } from '../helpers/cli.js';

export const API_KEY = 'ckTestApiKey0000000000000000000000000000000000000000000000000001';
export const SECRET = 'ckTestSecretZZ9q7Xw3Lm5Np1Rt8Vb2Hc4Jd6Kf0Gs9Aa7Ee5Uu3Ii1Oo8Yy6Ww';

/** A deterministic hourly series: a slow sine wave plus a trend, high/low around open/close. */
export function syntheticBars(n: number, start = Date.UTC(2026, 0, 1), stepMs = 3_600_000, base = 30_000): BarColumns {
  const c = allocBarColumns(n);
  let prev = base;
  for (let i = 0; i < n; i++) {
    const close = Math.round((base + 2000 * Math.sin(i / 9) + 600 * Math.sin(i / 2.3) + i * 3) * 100) / 100;
    c.openTime[i] = start + i * stepMs;
    c.open[i] = prev;
    c.close[i] = close;
    c.high[i] = Math.round((Math.max(prev, close) + 25) * 100) / 100;
    c.low[i] = Math.round((Math.min(prev, close) - 25) * 100) / 100;
    c.volume[i] = 10 + (i % 7);
    prev = close;
  }
  return c;
}

export type Harness = {
  readonly dir: string;
  readonly ex: LocalExchange;
  readonly journal: OrderJournal;
  readonly logFile: string;
  readonly log: Logger;
  readonly account: LiveAccount;
  readonly accountId: string;
  intent(barIndex: number, kind?: OrderIntent['intentKind']): OrderIntent;
  close(): Promise<void>;
};

let n = 0;

export async function startExchange(opts: { skewMs?: number; bars?: number } = {}): Promise<LocalExchange> {
  return startLocalExchange({
    series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(opts.bars ?? 50) }],
    apiKeys: [{ key: API_KEY, secret: SECRET }],
    balances: { USDT: 100_000, BTC: 1 },
    ...(opts.skewMs !== undefined ? { skewMs: opts.skewMs } : {}),
  });
}

export function staticCredentials(apiKey = API_KEY, secret = SECRET): CredentialSource {
  return { version: () => 1, load: () => ({ apiKey, secret }) };
}

export async function harness(opts: {
  ex?: LocalExchange;
  skewMs?: number;
  timeoutMs?: number;
  dir?: string;
  accountId?: string;
  credentials?: CredentialSource;
  resendsAfterNotPlaced?: number;
} = {}): Promise<Harness> {
  const dir = opts.dir ?? tempDir('ck-live-');
  const ex = opts.ex ?? (await startExchange(opts.skewMs !== undefined ? { skewMs: opts.skewMs } : {}));
  const logFile = path.join(dir, 'logs', 'live.jsonl');
  const log = createLogger({ level: 'debug', dest: logFile });
  const journal = new OrderJournal(path.join(dir, 'trading.db'));
  clearExchangeInstances();
  const accountId = opts.accountId ?? `acct:t${process.pid}-${++n}`;
  const account = await openLiveAccount({
    exchangeId: 'binance', accountId, credentials: opts.credentials ?? staticCredentials(), journal, log, baseUrl: ex.url,
    timeoutMs: opts.timeoutMs ?? 1500,
    ...(opts.resendsAfterNotPlaced !== undefined ? { resendsAfterNotPlaced: opts.resendsAfterNotPlaced } : {}),
  });
  return {
    dir, ex, journal, logFile, log, account, accountId,
    intent: (barIndex, kind = 'entry-long') => ({
      accountId, exchangeId: 'binance', strategyInstanceId: 'sma-cross-v1', symbol: 'BTC/USDT', timeframe: '1h',
      barOpenTimeMs: Date.UTC(2026, 0, 1) + barIndex * 3_600_000, intentKind: kind, legIndex: 0, revision: 0,
    }),
    async close() {
      account.stop();
      journal.close();
      if (!opts.ex) await ex.close();
      if (!opts.dir) rm(dir);
    },
  };
}

export function orderPosts(ex: LocalExchange, clientOrderId: string): number {
  return ex.counters.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/order' && r.params['newClientOrderId'] === clientOrderId).length;
}

export function readAll(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}
