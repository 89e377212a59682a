import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { API_KEY, SECRET, harness, startExchange, staticCredentials } from './live-harness.js';
import { runLive } from '../../engine/app/run-live.js';
import { defineStrategy, type AnyStrategy } from '../../engine/api/index.js';
import { clearExchangeInstances } from '../../engine/brokers/ccxt/exchange-factory.js';
import { openTradingDb, OrderJournal } from '../../data/store/order-journal.js';
import type { LocalExchange } from '../../engine/local-exchange/index.js';
import { ROOT, rm, tempDir } from '../helpers/cli.js';

let ex: LocalExchange;
let dir: string;
beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist/engine/brokers/ccxt/live-account.js'))) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  }
  ex = await startExchange();
  dir = tempDir('ck-crash-');
});
afterAll(async () => {
  await ex.close();
  rm(dir);
});

/** The child: one process that journals SUBMITTING, sends the order and waits for a reply that never comes in time. */
const CHILD = `
const { openLiveAccount } = await import(process.env.DIST + '/engine/brokers/ccxt/live-account.js');
const { OrderJournal } = await import(process.env.DIST + '/data/store/order-journal.js');
const { silentLogger } = await import(process.env.DIST + '/engine/log/index.js');
const journal = new OrderJournal(process.env.DB);
const account = await openLiveAccount({ exchangeId: 'binance', accountId: 'acct:crash', journal, log: silentLogger, baseUrl: process.env.URL,
  timeoutMs: 60000, credentials: { version: () => 1, load: () => ({ apiKey: process.env.K, secret: process.env.S }) } });
process.stdout.write('ready\\n');
await account.path.place({ sessionId: 'crash', side: 'buy', type: 'market', amount: 0.01, intent: { accountId: 'acct:crash', exchangeId: 'binance',
  strategyInstanceId: 'sma-cross-v1', symbol: 'BTC/USDT', timeframe: '1h', barOpenTimeMs: 1767222000000, intentKind: 'entry-long', legIndex: 0, revision: 0 } });
`;

describe('crash between the SUBMITTING write and the reply', () => {
  it('after a kill and a restart the order is reconciled before anything else runs, with no second order', async () => {
    const db = path.join(dir, 'trading.db');
    // The exchange stores the order and holds the reply for 30 s: the child is killed while waiting.
    ex.faults.inject({ method: 'POST', path: '/api/v3/order', fault: { kind: 'acceptThenDelay', delayMs: 30_000 } });
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, DIST: path.join(ROOT, 'dist'), DB: db, URL: ex.url, K: API_KEY, S: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait until the POST has reached the exchange (the journal row is SUBMITTING by then: write-ahead).
    for (let i = 0; i < 200 && ex.counters.orderPosts === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ex.counters.orderPosts, stderr).toBe(1);
    const peek = openTradingDb(db);
    const before = new OrderJournal(peek).all();
    peek.close();
    expect(before.map((r) => r.state)).toEqual(['SUBMITTING']);
    child.kill('SIGKILL');
    await exited;

    // Restart the bot: a live session whose strategy records the journal at its first tick.
    const db2 = openTradingDb(db);
    const seenAtFirstTick: string[][] = [];
    const recorder = defineStrategy({
      id: 'journal-recorder', version: 1, params: {}, init: () => ({}),
      onBar() {
        if (seenAtFirstTick.length === 0) seenAtFirstTick.push(new OrderJournal(db2).all().map((r) => r.state));
      },
    }) as unknown as AnyStrategy;
    clearExchangeInstances();
    const session = await runLive({
      strategy: recorder, instrument: 'binance:BTC/USDT', timeframe: '1h', tradingDb: db2, pollMs: 0, credentials: staticCredentials(),
      settings: { account: 'acct:crash', recvWindowMs: 5000, timeoutMs: 3000, timeSyncIntervalMs: 300_000, safetyMarginMs: 200, verbose: false, exchangeUrl: ex.url, risk: {} },
    });
    ex.clock.advanceBar();
    await session.step();
    expect(seenAtFirstTick).toEqual([['FILLED']]);
    const rows = session.journal.all();
    expect(session.journal.events(rows[0]!.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'FILLED']);
    expect(ex.counters.orderPosts).toBe(1);
    expect(ex.ordersFor(rows[0]!.clientOrderId)).toHaveLength(1);
    await session.stop();
    // The same intent handled again after the restart sends nothing.
    const h = await harness({ ex, dir, accountId: 'acct:crash' });
    const again = await h.account.path.place({ sessionId: 'crash', side: 'buy', type: 'market', amount: 0.01, intent: { ...h.intent(0), accountId: 'acct:crash', barOpenTimeMs: 1767222000000 } });
    expect(again.state).toBe('FILLED');
    expect(ex.counters.orderPosts).toBe(1);
    await h.close();
    db2.close();
  });
});
