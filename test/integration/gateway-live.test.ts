// The signed gateway with the live order intake: ccxt's real binance class against the local exchange on
// 127.0.0.1, a real gateway on 127.0.0.1, requests signed by engine/client's CandlekeepClient.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, homePaths } from '../../config/index.js';
import { openTradingDb, type JournalRow, type OrderState } from '../../data/store/order-journal.js';
import { ExchangeKeyStore } from '../../data/store/exchange-keys.js';
import { openSecurityStore } from '../../data/store/security-store.js';
import { SecretBox } from '../../engine/signing/secret-box.js';
import { Keyring } from '../../engine/signing/keyring.js';
import { parseGatewayConfig } from '../../engine/gateway/config.js';
import { startGateway, type RunningGateway } from '../../engine/gateway/run-gateway.js';
import { GatewayOrderIntake } from '../../engine/brokers/ccxt/gateway-intake.js';
import { clearExchangeInstances } from '../../engine/brokers/ccxt/exchange-factory.js';
import { CandlekeepClient } from '../../engine/client/index.js';
import type { LocalExchange } from '../../engine/local-exchange/index.js';
import { UserError } from '../../engine/domain/index.js';
import { API_KEY, SECRET, orderPosts, startExchange, staticCredentials } from './live-harness.js';
import { silentLogger } from '../../engine/log/index.js';
import { rm, runCli, spawnCli, tempDir } from '../helpers/cli.js';

const MASTER_B64 = Buffer.alloc(32, 9).toString('base64');
const ENV = { CANDLEKEEP_MASTER_KEY: MASTER_B64 } as NodeJS.ProcessEnv;
const ORDER = '/api/v3/order';
/** The local exchange's first price is about 30 000 USDT: 0.01 BTC ≈ 300 (allowed), 0.5 BTC ≈ 15 000 (refused). */
const MAX_POSITION_NOTIONAL = 5000;

type OrderView = { clientOrderId: string; intentId: string; status: string; reason: string | null; filledAmount: number; principal: string };

function liveConfig(timeoutMs: number) {
  const base = ConfigSchema.parse({}).live;
  return { ...base, timeoutMs, risk: { ...base.risk, maxPositionNotional: MAX_POSITION_NOTIONAL } };
}

/** Stores the exchange key (sealed with the master key) and a gateway API key for "alice"; returns the API key. */
function provision(home: string, account: string, exchangeKey = true): { keyId: string; secret: string } {
  const box = new SecretBox(Buffer.from(MASTER_B64, 'base64'));
  if (exchangeKey) {
    const db = openTradingDb(homePaths(home).tradingDb);
    new ExchangeKeyStore(db, box).add(account, 'binance', { apiKey: API_KEY, secret: SECRET });
    db.close();
  }
  const store = openSecurityStore(homePaths(home).securityDb);
  try {
    const k = new Keyring(store, box).create({ principal: 'alice', scopes: 'read,trade', now: Date.now() });
    return { keyId: k.keyId, secret: k.secret };
  } finally {
    store.close();
  }
}

type LiveSettings = NonNullable<Parameters<typeof startGateway>[0]['live']>;

/** The live gateway started over `home` as a new process would start it (no ccxt instances kept from an earlier start). */
async function startLive(home: string, live: LiveSettings): Promise<RunningGateway> {
  clearExchangeInstances();
  return startGateway({ home, config: parseGatewayConfig({}), env: ENV, host: '127.0.0.1', port: 0, live });
}

/** Whether the live gateway comes up paused when started again over `home` (the pause is persisted). */
async function pausedAfterRestart(home: string, live: LiveSettings): Promise<boolean> {
  const gw = await startLive(home, live);
  try {
    return (gw.intake as GatewayOrderIntake).isPaused();
  } finally {
    await gw.close();
  }
}

/** Waits (bounded) until the journal row reaches a terminal state; returns it. */
async function settled(intake: GatewayOrderIntake, clientOrderId: string, limitMs = 30_000): Promise<JournalRow> {
  const terminal: OrderState[] = ['FILLED', 'REJECTED', 'CANCELED', 'NOT_PLACED'];
  const deadline = Date.now() + limitMs;
  for (;;) {
    const row = intake.journal.get(clientOrderId);
    if (row && terminal.includes(row.state)) return row;
    if (Date.now() > deadline) throw new Error(`order ${clientOrderId} still ${row?.state ?? 'missing'} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('signed gateway with the live order intake (local exchange)', () => {
  let home: string;
  let ex: LocalExchange;
  let gw: RunningGateway;
  let intake: GatewayOrderIntake;
  let client: CandlekeepClient;
  const account = `gw-live-${process.pid}`;

  beforeAll(async () => {
    home = tempDir('ck-gw-live-');
    ex = await startExchange();
    const key = provision(home, account);
    clearExchangeInstances();
    gw = await startGateway({
      home, config: parseGatewayConfig({}), env: ENV, host: '127.0.0.1', port: 0,
      live: { exchangeId: 'binance', account, exchangeUrl: ex.url, live: liveConfig(1500), logLevel: 'silent' },
    });
    expect(gw.intake).toBeInstanceOf(GatewayOrderIntake);
    intake = gw.intake as GatewayOrderIntake;
    client = new CandlekeepClient({ url: gw.url, keyId: key.keyId, secret: key.secret });
  });

  afterAll(async () => {
    client?.close();
    await gw?.close();
    await ex?.close();
    if (home) rm(home);
  });

  it('answers 202 while the exchange stalls the order, then the exchange receives exactly one order with the gateway client id, journaled FILLED', async () => {
    ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'acceptThenDelay', delayMs: 10_000 } });
    const r = await client.submitOrder({ intentId: 'stall-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
    expect(r.status).toBe(202);
    const body = r.body as { clientOrderId: string; status: string; idempotent: boolean };
    expect(body.status).toBe('accepted');
    expect(body.idempotent).toBe(false);
    const cid = body.clientOrderId;
    // Answered with no exchange outcome known: the intake had not journaled it yet (the gateway's outbox hands it
    // over after the reply) or it was PLANNED/SUBMITTING, its order request stalled at the exchange.
    const atReply = intake.journal.get(cid);
    expect(['absent', 'PLANNED', 'SUBMITTING']).toContain(atReply?.state ?? 'absent');

    const row = await settled(intake, cid);
    expect(row.state).toBe('FILLED');
    expect(row.filled).toBe(0.01);
    expect(orderPosts(ex, cid)).toBe(1);
    expect(ex.ordersFor(cid)).toHaveLength(1);
    const post = ex.counters.requests.find((q) => q.method === 'POST' && q.path === ORDER && q.params['newClientOrderId'] === cid)!;
    expect(post.params['newClientOrderId']).toBe(cid);
    // Timed out at the client (1.5 s), found by client id: reconciled, not resent.
    expect(intake.journal.events(cid).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'FILLED']);
    const listed = (await client.listOrders()).body as { orders: OrderView[] };
    const mine = listed.orders.find((o) => o.clientOrderId === cid)!;
    expect(mine).toMatchObject({ intentId: 'stall-1', principal: 'alice', status: 'filled', filledAmount: 0.01, reason: null });
  });

  it('a replayed intentId (new nonce, same body) is answered 200 idempotent and the exchange still has exactly one order', async () => {
    const order = { intentId: 'stall-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' } as const;
    const r = await client.submitOrder(order);
    expect(r.status).toBe(200);
    const body = r.body as { clientOrderId: string; idempotent: boolean };
    expect(body.idempotent).toBe(true);
    await intake.idle();
    expect(ex.ordersFor(body.clientOrderId)).toHaveLength(1);
    expect(orderPosts(ex, body.clientOrderId)).toBe(1);
    expect(intake.journal.get(body.clientOrderId)!.state).toBe('FILLED');
  });

  it('an order above the configured max position notional is refused by the risk check: journal REJECTED with the reason, no order at the exchange', async () => {
    const postsBefore = ex.counters.orderPosts;
    const r = await client.submitOrder({ intentId: 'too-big-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.5' });
    expect(r.status).toBe(202);
    const cid = (r.body as { clientOrderId: string }).clientOrderId;
    const row = await settled(intake, cid);
    expect(row.state).toBe('REJECTED');
    expect(row.lastError).toMatch(/^risk: position notional [0-9.]+ on binance:BTC\/USDT would exceed max 5000$/);
    expect(orderPosts(ex, cid)).toBe(0);
    expect(ex.ordersFor(cid)).toHaveLength(0);
    expect(ex.counters.orderPosts).toBe(postsBefore);
    const listed = (await client.listOrders('status=rejected')).body as { orders: OrderView[] };
    const mine = listed.orders.find((o) => o.clientOrderId === cid)!;
    expect(mine.status).toBe('rejected');
    expect(mine.reason).toBe(row.lastError);
  });

  it('a lost response (acceptThenDrop) is reconciled to FILLED with exactly one POST, and audited as order.reconciled', async () => {
    ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'acceptThenDrop' } });
    const r = await client.submitOrder({ intentId: 'drop-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.02' });
    expect(r.status).toBe(202);
    const cid = (r.body as { clientOrderId: string }).clientOrderId;
    const row = await settled(intake, cid);
    expect(row.state).toBe('FILLED');
    expect(row.filled).toBe(0.02);
    expect(orderPosts(ex, cid)).toBe(1);
    expect(ex.ordersFor(cid)).toHaveLength(1);
    expect(intake.journal.events(cid).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'FILLED']);
    await intake.idle();
    // The audit row is written by the gateway's group commit (next event-loop turn).
    await new Promise((res) => setImmediate(res));
    const audited = gw.gateway.store.audit.read(0, 10_000).filter((a) => a.event === 'order.reconciled' && (a.detail ?? '').includes(cid));
    expect(audited).toHaveLength(1);
    expect(audited[0]!.principal).toBe('alice');
    expect(JSON.parse(audited[0]!.detail!)).toMatchObject({ intentId: 'drop-1', clientOrderId: cid, status: 'filled', filledAmount: 0.02 });
  });

  it('positions answer from the journal and balances from a snapshot re-read in the background, never from an exchange call in the request path', async () => {
    const pos = (await client.positions()).body as { positions: { symbol: string; amount: number }[] };
    expect(pos.positions).toEqual([expect.objectContaining({ symbol: 'BTC/USDT', amount: 0.03 })]);
    // No exchange call in the request path: the local exchange sees no GET /api/v3/account for it.
    const accountReads = () => ex.counters.requests.filter((q) => q.path === '/api/v3/account').length;
    const before = accountReads();
    const bal = (await client.balances()).body as { balances: { currency: string; total: number }[] };
    expect(accountReads()).toBe(before);
    expect(['1', '1.03']).toContain(String(bal.balances.find((b) => b.currency === 'BTC')?.total));
    // The snapshot is re-read in the background after executed orders (at most every 5 s).
    const deadline = Date.now() + 15_000;
    let btc: number | undefined;
    while (btc !== 1.03 && Date.now() < deadline) {
      btc = ((await client.balances()).body as { balances: { currency: string; total: number }[] }).balances.find((b) => b.currency === 'BTC')?.total;
      if (btc !== 1.03) await new Promise((res) => setTimeout(res, 100));
    }
    expect(btc).toBe(1.03);
  });

  it('pause rejects new orders with reason "paused" without sending them; resume lets them through', async () => {
    expect((await client.command('pause')).status).toBe(200);
    const r = await client.submitOrder({ intentId: 'paused-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
    const cid = (r.body as { clientOrderId: string }).clientOrderId;
    const row = await settled(intake, cid);
    expect(row.state).toBe('REJECTED');
    expect(row.lastError).toBe('paused');
    expect(orderPosts(ex, cid)).toBe(0);
    expect((await client.command('resume')).status).toBe(200);
    const r2 = await client.submitOrder({ intentId: 'resumed-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
    const row2 = await settled(intake, (r2.body as { clientOrderId: string }).clientOrderId);
    expect(row2.state).toBe('FILLED');
  });

  it('a resting limit order is open in GET /v1/orders and DELETE cancels it at the exchange', async () => {
    const r = await client.submitOrder({ intentId: 'limit-1', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.01', price: '20000' });
    expect(r.status).toBe(202);
    const cid = (r.body as { clientOrderId: string }).clientOrderId;
    await intake.idle();
    while (intake.journal.get(cid)?.state !== 'ACKED') {
      await new Promise((res) => setTimeout(res, 20));
      await intake.idle();
    }
    const open = (await client.listOrders('status=open')).body as { orders: OrderView[] };
    expect(open.orders.map((o) => o.clientOrderId)).toEqual([cid]);
    const c = await client.cancelOrder(cid);
    expect(c.status).toBe(200);
    const row = await settled(intake, cid);
    expect(row.state).toBe('CANCELED');
    expect(ex.ordersFor(cid).map((o) => o.status)).toEqual(['CANCELED']);
    expect((await client.cancelOrder(cid)).status).toBe(409);
    expect((await client.cancelOrder('ck000000000000000000000000000000')).status).toBe(404);
  });

  it('flatten closes the gateway position with one market order through the same path, also while paused', async () => {
    expect((await client.command('pause')).status).toBe(200);
    // A caller cannot pose as flatten's closing order while paused.
    const fake = await client.submitOrder({ intentId: 'flatten:0:0:BTC/USDT', symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: '0.01' });
    const fakeRow = await settled(intake, (fake.body as { clientOrderId: string }).clientOrderId);
    expect(fakeRow).toMatchObject({ state: 'REJECTED', lastError: 'paused' });
    const r = await client.command('flatten');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ canceled: 0, closing: 1 });
    await intake.idle();
    const pos = (await client.positions()).body as { positions: unknown[] };
    expect(pos.positions).toEqual([]);
    const flat = intake.journal.all().filter((x) => x.strategyInstanceId.startsWith('flatten:'));
    expect(flat).toHaveLength(2);
    const closing = flat.filter((x) => x.intentKind === 'exit-long');
    expect(closing).toHaveLength(1);
    expect(closing[0]).toMatchObject({ side: 'sell', amount: 0.04, state: 'FILLED' });
    expect(orderPosts(ex, closing[0]!.clientOrderId)).toBe(1);
    expect((await client.command('resume')).status).toBe(200);
  });
});

describe('live gateway start-up', () => {
  it('refuses to start without a stored exchange key and says how to add one', async () => {
    const home = tempDir('ck-gw-live-nokey-');
    try {
      provision(home, 'nokey', false);
      const p = startGateway({
        home, config: parseGatewayConfig({}), env: ENV, host: '127.0.0.1', port: 0,
        live: { exchangeId: 'binance', account: 'nokey', exchangeUrl: 'http://127.0.0.1:9', live: liveConfig(1500), logLevel: 'silent' },
      });
      await expect(p).rejects.toBeInstanceOf(UserError);
      await expect(p).rejects.toThrow(
        'no exchange API key for account "nokey"; add one with: candlekeep keys exchange add --exchange binance --account nokey (the secret is read from stdin or a prompt)',
      );
    } finally {
      rm(home);
    }
  });

  it('a gateway order accepted before a restart but not yet executed is executed after it', async () => {
    const home = tempDir('ck-gw-live-restart-');
    const ex = await startExchange();
    const account = `gw-restart-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    try {
      provision(home, account);
      const live = { exchangeId: 'binance', account, exchangeUrl: ex.url, live: liveConfig(1500), logLevel: 'silent' as const };
      clearExchangeInstances();
      // Journal one PLANNED gateway row and close before the worker runs.
      const first = await startGateway({ home, config: parseGatewayConfig({}), env: ENV, host: '127.0.0.1', port: 0, live });
      const a = first.intake as GatewayOrderIntake;
      const intent = { accountId: 'gw:alice', exchangeId: 'gateway', strategyInstanceId: 'restart-1', symbol: '-', timeframe: '-', barOpenTimeMs: 0, intentKind: 'manual', legIndex: 0, revision: 0 } as const;
      const { clientOrderId } = await import('../../engine/core/client-order-id.js');
      const cid = clientOrderId(intent);
      // Submitted and closed in the same turn: committed by close(), never picked up by this worker.
      const submitted = a.submit({ intentId: 'restart-1', principal: 'alice', source: 'api', intent, clientOrderId: cid, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01', price: null, receivedAt: Date.now() });
      await first.close();
      await submitted;
      const db = openTradingDb(homePaths(home).tradingDb);
      expect((db.prepare('SELECT state FROM order_intents WHERE client_order_id = ?').get(cid) as { state: string }).state).toBe('PLANNED');
      db.close();
      expect(orderPosts(ex, cid)).toBe(0);

      const second = await startLive(home, live);
      try {
        const b = second.intake as GatewayOrderIntake;
        const row = await settled(b, cid);
        expect(row.state).toBe('FILLED');
        expect(orderPosts(ex, cid)).toBe(1);
      } finally {
        await second.close();
      }
    } finally {
      await ex.close();
      rm(home);
    }
  });
});

describe('live gateway pause across a restart', () => {
  it('a pause stays in force after the gateway restarts, until it is resumed', async () => {
    const home = tempDir('ck-gw-live-pause-');
    const ex = await startExchange();
    const account = `gw-pause-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    const live = { exchangeId: 'binance', account, exchangeUrl: ex.url, live: liveConfig(1500), logLevel: 'silent' as const };
    try {
      const key = provision(home, account);
      const first = await startLive(home, live);
      const c1 = new CandlekeepClient({ url: first.url, keyId: key.keyId, secret: key.secret });
      expect((await c1.command('pause')).status).toBe(200);
      c1.close();
      await first.close();

      const second = await startLive(home, live);
      const c2 = new CandlekeepClient({ url: second.url, keyId: key.keyId, secret: key.secret });
      try {
        const b = second.intake as GatewayOrderIntake;
        expect(b.isPaused()).toBe(true);
        const r = await c2.submitOrder({ intentId: 'after-restart-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
        const cid = (r.body as { clientOrderId: string }).clientOrderId;
        expect(await settled(b, cid)).toMatchObject({ state: 'REJECTED', lastError: 'paused' });
        expect(orderPosts(ex, cid)).toBe(0);
        expect((await c2.command('resume')).status).toBe(200);
        const r2 = await c2.submitOrder({ intentId: 'after-resume-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
        expect((await settled(b, (r2.body as { clientOrderId: string }).clientOrderId)).state).toBe('FILLED');
      } finally {
        c2.close();
        await second.close();
      }
      // Resumed is persisted too: a third start trades.
      expect(await pausedAfterRestart(home, live)).toBe(false);
    } finally {
      await ex.close();
      rm(home);
    }
  }, 60_000);
});

describe('live gateway kill switches', () => {
  it('a daily loss over the limit rejects the order, pauses the gateway (persisted) and flattens its position', async () => {
    const { startLocalExchange } = await import('../../engine/local-exchange/index.js');
    const { allocBarColumns } = await import('../../engine/domain/index.js');
    // 30 000 for three hours, then 20 000: the account (100 000 USDT + 1 BTC) loses about 10 000.
    const bars = allocBarColumns(12);
    for (let i = 0; i < 12; i++) {
      const p = i < 3 ? 30_000 : 20_000;
      bars.openTime[i] = Date.UTC(2026, 0, 1) + i * 3_600_000;
      bars.open[i] = p; bars.high[i] = p + 10; bars.low[i] = p - 10; bars.close[i] = p; bars.volume[i] = 10;
    }
    const ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], apiKeys: [{ key: API_KEY, secret: SECRET }], balances: { USDT: 100_000, BTC: 1 } });
    const home = tempDir('ck-gw-live-kill-');
    const account = `gw-kill-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    const base = liveConfig(1500);
    const live = { exchangeId: 'binance', account, exchangeUrl: ex.url, live: { ...base, risk: { ...base.risk, maxDailyLoss: 5000 } }, logLevel: 'silent' as const };
    try {
      const key = provision(home, account);
      const gw = await startLive(home, live);
      const c = new CandlekeepClient({ url: gw.url, keyId: key.keyId, secret: key.secret });
      try {
        const intake = gw.intake as GatewayOrderIntake;
        const r1 = await c.submitOrder({ intentId: 'kill-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
        expect((await settled(intake, (r1.body as { clientOrderId: string }).clientOrderId)).state).toBe('FILLED');
        ex.clock.advanceBar(3);
        const r2 = await c.submitOrder({ intentId: 'kill-2', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
        const cid2 = (r2.body as { clientOrderId: string }).clientOrderId;
        const row2 = await settled(intake, cid2);
        expect(row2.state).toBe('REJECTED');
        expect(row2.lastError).toMatch(/^risk: kill switch: daily loss \d+\.\d\d reached max 5000$/);
        expect(orderPosts(ex, cid2)).toBe(0);
        expect(intake.isPaused()).toBe(true);
        // The position the gateway opened is closed with one market sell.
        await intake.idle();
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && (await intake.positions()).length > 0) await new Promise((r) => setTimeout(r, 50));
        expect(await intake.positions()).toEqual([]);
        const exits = intake.journal.all().filter((r) => r.intentKind === 'exit-long');
        expect(exits.map((r) => [r.side, r.amount, r.state])).toEqual([['sell', 0.01, 'FILLED']]);
      } finally {
        c.close();
        await gw.close();
      }
      // The pause outlives the restart.
      expect(await pausedAfterRestart(home, live)).toBe(true);
    } finally {
      await ex.close();
      rm(home);
    }
  }, 60_000);
});

describe('live gateway restart with an order in flight', () => {
  it('an order sent but unanswered when the intake stopped is reconciled at the next start and audited as order.reconciled', async () => {
    const home = tempDir('ck-gw-live-inflight-');
    const ex = await startExchange();
    const account = `gw-inflight-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    try {
      provision(home, account);
      clearExchangeInstances();
      const db = openTradingDb(homePaths(home).tradingDb);
      const first = await GatewayOrderIntake.open({
        tradingDb: db, exchangeId: 'binance', accountId: account, credentials: staticCredentials(), risk: {}, log: silentLogger,
        baseUrl: ex.url, timeoutMs: 8000, closeWaitMs: 50,
      });
      // The exchange stores the order and holds its answer; the intake stops while it waits.
      ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'acceptThenDelay', delayMs: 10_000 } });
      const intent = { accountId: 'gw:alice', exchangeId: 'gateway', strategyInstanceId: 'inflight-1', symbol: '-', timeframe: '-', barOpenTimeMs: 0, intentKind: 'manual', legIndex: 0, revision: 0 } as const;
      const { clientOrderId } = await import('../../engine/core/client-order-id.js');
      const cid = clientOrderId(intent);
      await first.submit({ intentId: 'inflight-1', principal: 'alice', source: 'api', intent, clientOrderId: cid, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01', price: null, receivedAt: Date.now() });
      while (ex.ordersFor(cid).length === 0) await new Promise((r) => setTimeout(r, 10));
      await first.close();
      expect(first.journal.get(cid)!.state).toBe('SUBMITTING');
      db.close();

      clearExchangeInstances();
      const gw = await startGateway({
        home, config: parseGatewayConfig({}), env: ENV, host: '127.0.0.1', port: 0,
        live: { exchangeId: 'binance', account, exchangeUrl: ex.url, live: liveConfig(1500), logLevel: 'silent' },
      });
      try {
        const intake = gw.intake as GatewayOrderIntake;
        // Reconciled while opening, before the gateway took any request.
        const row = intake.journal.get(cid)!;
        expect(row.state).toBe('FILLED');
        expect(intake.journal.events(cid).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'FILLED']);
        expect(orderPosts(ex, cid)).toBe(1);
        while (!gw.gateway.store.audit.read(0, 10_000).some((a) => a.event === 'order.reconciled')) await new Promise((r) => setImmediate(r));
        const audited = gw.gateway.store.audit.read(0, 10_000).filter((a) => a.event === 'order.reconciled');
        expect(audited).toHaveLength(1);
        expect(audited[0]).toMatchObject({ principal: 'alice', outcome: 'ok' });
        expect(JSON.parse(audited[0]!.detail!)).toMatchObject({ intentId: 'inflight-1', clientOrderId: cid, status: 'filled', filledAmount: 0.01 });
      } finally {
        await gw.close();
      }
    } finally {
      await ex.close();
      rm(home);
    }
  });
});

describe('candlekeep serve --exchange (CLI, compiled dist/)', () => {
  it('refuses live orders without --confirm-live', () => {
    const home = tempDir('ck-serve-live-');
    try {
      const r = runCli(['serve', '--port', '0', '--exchange', 'binance'], { home, env: { CANDLEKEEP_MASTER_KEY: MASTER_B64 } });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('candlekeep: live trading places real orders: add --confirm-live (or set live.confirmLive in the config)');
    } finally {
      rm(home);
    }
  });

  it('refuses to start without a stored exchange key, naming the command that adds one', () => {
    const home = tempDir('ck-serve-live-');
    try {
      const r = runCli(['serve', '--port', '0', '--exchange', 'binance', '--account', 'nokey', '--exchange-url', 'http://127.0.0.1:9', '--confirm-live'], { home, env: { CANDLEKEEP_MASTER_KEY: MASTER_B64 } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no exchange API key for account "nokey"; add one with: candlekeep keys exchange add --exchange binance --account nokey');
    } finally {
      rm(home);
    }
  });

  it('an unreachable exchange is refused at start-up with one line naming the account and URL', () => {
    const home = tempDir('ck-serve-live-');
    try {
      provision(home, 'down');
      const r = runCli(['serve', '--port', '0', '--exchange', 'binance', '--account', 'down', '--exchange-url', 'http://127.0.0.1:9', '--confirm-live'], { home, env: { CANDLEKEEP_MASTER_KEY: MASTER_B64 } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^candlekeep: could not open the binance account "down" at http:\/\/127\.0\.0\.1:9: /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rm(home);
    }
  });

  it('serves live with the stored key: a signed order reaches the local exchange once with the gateway client id', async () => {
    const home = tempDir('ck-serve-live-');
    const ex = await startExchange();
    const key = provision(home, 'cli');
    const child = spawnCli(['serve', '--port', '0', '--exchange', 'binance', '--account', 'cli', '--exchange-url', ex.url, '--confirm-live', '--json'], { home, env: { CANDLEKEEP_MASTER_KEY: MASTER_B64 } });
    let client: CandlekeepClient | undefined;
    try {
      const started = await new Promise<{ url: string; orders: string }>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (c) => {
          out += c;
          // printJson may span lines: resolve once stdout holds the whole object.
          try {
            resolve(JSON.parse(out) as { url: string; orders: string });
          } catch {
            // not complete yet
          }
        });
        child.stderr!.on('data', (c) => (err += c));
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      expect(started.orders).toBe('live');
      client = new CandlekeepClient({ url: started.url, keyId: key.keyId, secret: key.secret });
      const r = await client.submitOrder({ intentId: 'cli-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.01' });
      expect(r.status).toBe(202);
      const cid = (r.body as { clientOrderId: string }).clientOrderId;
      const deadline = Date.now() + 30_000;
      let status = '';
      while (status !== 'filled' && Date.now() < deadline) {
        const l = (await client.listOrders()).body as { orders: OrderView[] };
        status = l.orders.find((o) => o.clientOrderId === cid)?.status ?? '';
        if (status !== 'filled') await new Promise((res) => setTimeout(res, 50));
      }
      expect(status).toBe('filled');
      expect(orderPosts(ex, cid)).toBe(1);
      expect(ex.ordersFor(cid)).toHaveLength(1);
    } finally {
      client?.close();
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGTERM');
      await exited;
      await ex.close();
      rm(home);
    }
  });
});
