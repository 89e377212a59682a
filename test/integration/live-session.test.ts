import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { API_KEY, SECRET, staticCredentials, syntheticBars } from './live-harness.js';
import { startLocalExchange, type LocalExchange } from '../../engine/local-exchange/index.js';
import { runLive, type LiveSettings, type LiveSession } from '../../engine/app/run-live.js';
import { runPaper } from '../../engine/app/run-paper.js';
import { runBacktest } from '../../engine/app/run-backtest.js';
import { openTradingDb } from '../../data/store/order-journal.js';
import { clearExchangeInstances } from '../../engine/brokers/ccxt/exchange-factory.js';
import { sliceBarColumns, type BarColumns } from '../../engine/domain/index.js';
import type { ClosedTrade } from '../../engine/domain/index.js';
import smaCross from '../../strategies/sma-cross.js';
import type { AnyStrategy } from '../../engine/api/index.js';
import { rm, tempDir } from '../helpers/cli.js';

const N = 240;
const INSTRUMENT = 'binance:BTC/USDT';
const PARAMS = { fast: '5', slow: '15', size: '0.1' };
let ex: LocalExchange | undefined;
let session: LiveSession | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await session?.stop().catch(() => undefined);
  await ex?.close();
  session = undefined;
  ex = undefined;
  for (const d of dirs.splice(0)) rm(d);
});

function settings(url: string, account: string): LiveSettings {
  return { account, recvWindowMs: 5000, timeoutMs: 3000, timeSyncIntervalMs: 300_000, safetyMarginMs: 200, verbose: false, exchangeUrl: url, risk: {} };
}

const shape = (t: ClosedTrade) => ({ direction: t.direction, size: t.size, entryPrice: t.entryPrice, exitPrice: t.exitPrice, fees: Number(t.fees.toFixed(6)), pnl: Number(t.pnl.toFixed(6)) });

async function drive(s: LiveSession, e: LocalExchange): Promise<void> {
  while (e.clock.advanceBar()) await s.step();
  await s.step();
}

function backtestOf(bars: BarColumns, seen: number) {
  return runBacktest({ strategy: smaCross as unknown as AnyStrategy, params: PARAMS, data: [{ key: { instrument: INSTRUMENT, timeframe: '1h' }, bars: sliceBarColumns(bars, 0, seen) }], cash: 10_000, feeRate: 0.001 });
}

describe('full sessions against the local exchange equal a backtest of the same bars', () => {
  it('live session: trades, orders and journal match the backtest trade by trade', async () => {
    const bars = syntheticBars(N);
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 }, feeRate: 0.001 });
    const dir = tempDir('ck-session-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    session = await runLive({ strategy: smaCross as unknown as AnyStrategy, params: PARAMS, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: settings(ex.url, 'acct:e2e-live'), credentials: staticCredentials(), pollMs: 0, feeRate: 0.001 });
    await drive(session, ex);
    const st = session.status();
    expect(st.bars).toBe(N - 1);
    const bt = backtestOf(bars, N - 1);
    const live = session.kernel.ledger.trades;
    expect(bt.trades.length).toBeGreaterThanOrEqual(3);
    expect(live.map(shape)).toEqual(bt.trades.map(shape));
    // One exchange order per strategy order, every journal row FILLED, nothing else sent.
    const rows = session.journal.bySession(session.sessionId);
    expect(rows.every((r) => r.state === 'FILLED')).toBe(true);
    expect(rows.length).toBe(bt.counters.ordersSubmitted);
    expect(ex.counters.orderPosts).toBe(rows.length);
    expect(ex.orders().length).toBe(rows.length);
    await session.stop();
    expect(session.sessions.get(session.sessionId)!.status).toBe('stopped');
    session = undefined;
    db.close();
  }, 120_000);

  it('paper session: the simulated broker on the live feed trades exactly like the backtest', async () => {
    const bars = syntheticBars(N);
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], balances: { USDT: 10_000 } });
    const dir = tempDir('ck-session-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    session = await runPaper({ strategy: smaCross as unknown as AnyStrategy, params: PARAMS, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: settings(ex.url, 'acct:e2e-paper'), pollMs: 0, cash: 10_000, feeRate: 0.001 });
    await drive(session, ex);
    expect(session.status().bars).toBe(N - 1);
    const bt = backtestOf(bars, N - 1);
    expect(bt.trades.length).toBeGreaterThanOrEqual(3);
    expect(session.kernel.ledger.trades.map(shape)).toEqual(bt.trades.map(shape));
    expect(session.kernel.ledger.trades.map((t) => [t.entryTime, t.exitTime])).toEqual(bt.trades.map((t) => [t.entryTime, t.exitTime]));
    expect(ex.counters.orderPosts).toBe(0);
    await session.stop();
    session = undefined;
    db.close();
  }, 120_000);
});

describe('ledger reconciliation with the exchange', () => {
  it('an order placed outside the bot is reported as a mismatch and new orders for the instrument pause', async () => {
    const bars = syntheticBars(60);
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 }, feeRate: 0.001 });
    const dir = tempDir('ck-session-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    session = await runLive({ strategy: smaCross as unknown as AnyStrategy, params: PARAMS, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: settings(ex.url, 'acct:recon'), credentials: staticCredentials(), pollMs: 0 });
    ex.clock.advanceBar();
    await session.step();
    expect(await session.reconcileBalances()).toBeUndefined();
    // Someone trades on the same account by hand.
    await session.account!.handle.exchange.createOrder('BTC/USDT', 'market', 'buy', 0.05, undefined, { clientOrderId: 'manual0000000000000000000000001' });
    expect(await session.reconcileBalances()).toBe('BTC on the exchange is 0.05, the ledger expects 0 (start 0 + position 0)');
    expect(session.status().paused).toMatch(/^ledger mismatch on binance:BTC\/USDT/);
    await session.stop();
    session = undefined;
    db.close();
  });
});

describe('live diff', () => {
  it('replays a finished live session through the backtester: every trade identical, none missed or extra', async () => {
    const { openBarStore } = await import('../../data/store/bar-store.js');
    const { diffSession } = await import('../../engine/app/live-diff.js');
    const bars = syntheticBars(160);
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 }, feeRate: 0.001 });
    const dir = tempDir('ck-diff-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    const store = openBarStore(dir);
    clearExchangeInstances();
    session = await runLive({ strategy: smaCross as unknown as AnyStrategy, params: PARAMS, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, store, settings: settings(ex.url, 'acct:diff'), credentials: staticCredentials(), pollMs: 0 });
    await drive(session, ex);
    await session.stop();
    const id = session.sessionId;
    const row = session.sessions.get(id)!;
    const journal = session.journal;
    const decidedAt = (cid: string) => { const r = journal.get(cid); return r ? r.barOpenTime + 3_600_000 : undefined; };
    const d = diffSession({ session: row, liveTrades: session.sessions.trades(id), strategy: smaCross as unknown as AnyStrategy, store, feeRate: 0.001, cash: 10_000, decidedAt });
    expect(d.period.bars).toBe(159);
    // The session recorded the market's rules with the bars; the replay rounded with the same ones.
    expect(store.marketRules(INSTRUMENT)).toMatchObject({ source: 'ccxt:binance' });
    expect(store.marketRules(INSTRUMENT)!.amountStep).toBeGreaterThan(0);
    expect(d.liveTrades).toBeGreaterThanOrEqual(2);
    expect([d.matched, d.differing, d.missed, d.extra]).toEqual([d.liveTrades, 0, 0, 0]);
    expect(d.pnl.live).toBeCloseTo(d.pnl.backtest, 6);
    // A live fill at a worse price shows up as a differing trade, named by its row.
    const worse = session.sessions.trades<ClosedTrade>(id).map((t, k) => (k === 0 ? { ...t, entryPrice: t.entryPrice + 5 } : t));
    const d2 = diffSession({ session: row, liveTrades: worse, strategy: smaCross as unknown as AnyStrategy, store, feeRate: 0.001, cash: 10_000, decidedAt });
    expect([d2.matched, d2.differing]).toEqual([d.liveTrades - 1, 1]);
    expect(d2.rows[0]!.entryPriceDiff).toBeCloseTo(5, 9);
    const missing = diffSession({ session: row, liveTrades: worse.slice(1), strategy: smaCross as unknown as AnyStrategy, store, feeRate: 0.001, cash: 10_000, decidedAt });
    expect(missing.missed).toBe(1);
    session = undefined;
    store.close();
    db.close();
  }, 120_000);
});

import { defineStrategy } from '../../engine/api/index.js';

/** Goes long 0.1 whenever flat: every refusal and every flatten is visible in its counters. */
const alwaysLong = defineStrategy({
  id: 'always-long',
  version: 1,
  params: {},
  init: () => ({}),
  onBar(_b, _s, ctx) {
    if (ctx.position().isFlat && ctx.openOrders.length === 0) ctx.submit({ type: 'market', side: 'buy', size: { units: 0.1 } });
  },
}) as unknown as AnyStrategy;

describe('session controls and risk', () => {
  it('pause, flatten and resume from the control queue (as `candlekeep live pause|flatten|resume` send them)', async () => {
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(40) }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 } });
    const dir = tempDir('ck-ctl-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    session = await runLive({ strategy: alwaysLong, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: settings(ex.url, 'acct:ctl'), credentials: staticCredentials(), pollMs: 0 });
    const stepBar = async () => { ex!.clock.advanceBar(); await session!.step(); };
    await stepBar();
    expect(session.status().position).toBe(0.1);
    session.sessions.enqueue(session.sessionId, 'flatten');
    await stepBar();
    expect(session.status().position).toBe(0);
    expect(session.status().paused).toBe('flattened by the user');
    await stepBar();
    expect(session.status().position).toBe(0);
    const rejected = session.kernel.counters.rejectedOrders;
    expect(rejected).toBeGreaterThanOrEqual(1);
    session.sessions.enqueue(session.sessionId, 'resume');
    await stepBar();
    expect(session.status().position).toBe(0.1);
    expect(session.status().paused).toBeNull();
    const rows = session.journal.bySession(session.sessionId);
    expect(rows.map((r) => [r.intentKind, r.side, r.state])).toEqual([['entry-long', 'buy', 'FILLED'], ['manual', 'sell', 'FILLED'], ['entry-long', 'buy', 'FILLED']]);
    expect(ex.counters.orderPosts).toBe(3);
    await session.stop();
    session = undefined;
    db.close();
  });

  it('an order over the max position notional is refused before it leaves (paper and live alike)', async () => {
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(20) }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 } });
    const dir = tempDir('ck-risk-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    const rejections: string[] = [];
    session = await runLive({ strategy: alwaysLong, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: { ...settings(ex.url, 'acct:risk'), risk: { maxPositionNotional: 1000 } }, credentials: staticCredentials(), pollMs: 0 });
    const orig = session.kernel.orderUpdated.bind(session.kernel);
    session.kernel.orderUpdated = (u) => { if (u.status === 'rejected') rejections.push(u.reason ?? ''); orig(u); };
    ex.clock.advanceBar();
    await session.step();
    expect(rejections[0]).toMatch(/^risk: position notional \d+\.\d\d on binance:BTC\/USDT would exceed max 1000$/);
    expect(ex.counters.orderPosts).toBe(0);
    expect(session.journal.bySession(session.sessionId)).toEqual([]);
    await session.stop();
    session = undefined;
    db.close();
  });

  it('the drawdown kill switch flattens and stops the session', async () => {
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(60) }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 } });
    const dir = tempDir('ck-kill-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    session = await runLive({ strategy: alwaysLong, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: { ...settings(ex.url, 'acct:kill'), risk: { maxDrawdownPct: 0.001 } }, credentials: staticCredentials(), pollMs: 0 });
    for (let i = 0; i < 50 && !session.stopped; i++) {
      ex.clock.advanceBar();
      await session.step();
    }
    expect(session.stopped).toBe(true);
    expect(session.status().paused).toMatch(/^kill switch: drawdown \d+\.\d\d% reached max 0\.10%$/);
    expect(session.status().position).toBe(0);
    const rows = session.journal.bySession(session.sessionId);
    expect(rows.at(-1)!.intentKind).toBe('manual');
    expect(rows.every((r) => r.state === 'FILLED')).toBe(true);
    await session.stop();
    session = undefined;
    db.close();
  });
});

import { sma, crossedAbove, crossedBelow } from '../../engine/api/index.js';
import { allocBarColumns } from '../../engine/domain/index.js';

/** UTC-aligned aggregation of 1h bars into 4h bars (what the exchange's klines serve). */
function aggregate4h(b: BarColumns): BarColumns {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < b.length; i++) {
    const k = Math.floor(b.openTime[i]! / 14_400_000) * 14_400_000;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  }
  const full = [...groups.entries()].filter(([, ix]) => ix.length === 4);
  const c = allocBarColumns(full.length);
  full.forEach(([t, ix], j) => {
    c.openTime[j] = t;
    c.open[j] = b.open[ix[0]!]!;
    c.close[j] = b.close[ix[3]!]!;
    c.high[j] = Math.max(...ix.map((i) => b.high[i]!));
    c.low[j] = Math.min(...ix.map((i) => b.low[i]!));
    c.volume[j] = ix.reduce((a, i) => a + b.volume[i]!, 0);
  });
  return c;
}

/** 1h SMA cross, entries only while the 4h close is above its 3-bar SMA: reads a second timeframe. */
const mtf = defineStrategy({
  id: 'mtf-cross',
  version: 1,
  params: {},
  subscriptions: [{ timeframe: '4h' }],
  init: (ctx) => ({ fast: ctx.indicator(sma(5)), slow: ctx.indicator(sma(15)), trend: ctx.indicator(sma(3), ctx.series('4h')) }),
  onBar(bar, s, ctx) {
    if (bar.timeframe !== '1h') return;
    const four = ctx.bars(1, ctx.series('4h'))[0];
    const pos = ctx.position();
    if (pos.isFlat && four && four.close > s.trend.value && crossedAbove(s.fast, s.slow)) ctx.submit({ type: 'market', side: 'buy', size: { units: 0.1 } });
    else if (pos.isLong && crossedBelow(s.fast, s.slow)) ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
  },
}) as unknown as AnyStrategy;

describe('multi-timeframe sessions', () => {
  it('a strategy reading 1h and 4h bars trades live exactly as in a backtest of the same bars', async () => {
    const bars = syntheticBars(N);
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 10_000 }, feeRate: 0.001 });
    const dir = tempDir('ck-mtf-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    clearExchangeInstances();
    session = await runLive({ strategy: mtf, instrument: INSTRUMENT, timeframe: '1h', tradingDb: db, settings: settings(ex.url, 'acct:mtf'), credentials: staticCredentials(), pollMs: 0 });
    await drive(session, ex);
    const seen = session.status().bars;
    const oneH = sliceBarColumns(bars, 0, seen);
    const fourH = aggregate4h(oneH);
    const bt = runBacktest({ strategy: mtf, data: [{ key: { instrument: INSTRUMENT, timeframe: '1h' }, bars: oneH }, { key: { instrument: INSTRUMENT, timeframe: '4h' }, bars: fourH }], cash: 10_000, feeRate: 0.001 });
    expect(bt.trades.length).toBeGreaterThanOrEqual(2);
    expect(session.kernel.ledger.trades.map(shape)).toEqual(bt.trades.map(shape));
    expect(ex.counters.orderPosts).toBe(bt.counters.ordersSubmitted);
    await session.stop();
    session = undefined;
    db.close();
  }, 120_000);
});
