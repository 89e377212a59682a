import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { OrderJournal, openTradingDb, type NewIntent } from '../../data/store/order-journal.js';
import { rm, tempDir } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rm(d);
});

function journal(): { j: OrderJournal; file: string } {
  const dir = tempDir('ck-journal-');
  dirs.push(dir);
  const file = path.join(dir, 'trading.db');
  let t = 1000;
  return { j: new OrderJournal(file, () => t++), file };
}

const intent = (id: string): NewIntent => ({
  clientOrderId: id, sessionId: 's1', accountId: 'acct:main', exchangeId: 'binance', strategyInstanceId: 'sma-cross-v1',
  symbol: 'BTC/USDT', timeframe: '1h', barOpenTime: 1_767_222_000_000, intentKind: 'entry-long', legIndex: 0, revision: 0,
  side: 'buy', type: 'market', amount: 0.01, price: null,
});

describe('order journal (SIGNING.md A5)', () => {
  it('opens the trading database with synchronous=FULL', () => {
    const { j } = journal();
    expect(j.db.pragma('synchronous', { simple: true })).toBe(2);
    j.close();
  });

  it('plans once per client order id and returns the existing row the second time', () => {
    const { j } = journal();
    expect(j.plan(intent('ck1')).created).toBe(true);
    const again = j.plan({ ...intent('ck1'), amount: 5 });
    expect(again.created).toBe(false);
    expect(again.row.amount).toBe(0.01);
    expect(j.all()).toHaveLength(1);
    j.close();
  });

  it('enforces client_order_id UNIQUE in the schema itself', () => {
    const { j } = journal();
    j.plan(intent('ck1'));
    expect(() => j.db.prepare(`INSERT INTO order_intents (client_order_id, session_id, account_id, exchange_id, strategy_instance_id, symbol, timeframe,
      bar_open_time, intent_kind, leg_index, revision, side, type, amount, state, created_at, updated_at)
      VALUES ('ck1','s','a','binance','x','BTC/USDT','1h',0,'entry-long',0,0,'buy','market',1,'PLANNED',0,0)`).run()).toThrow(/UNIQUE/);
    j.close();
  });

  it('records sentExchangeTs and the attempt with SUBMITTING, then the exchange facts', () => {
    const { j } = journal();
    j.plan(intent('ck1'));
    const s = j.markSubmitting('ck1', 1_767_225_600_123);
    expect([s.state, s.sentExchangeTs, s.attempts]).toEqual(['SUBMITTING', 1_767_225_600_123, 1]);
    const f = j.transition('ck1', 'FILLED', { exchangeOrderId: '1000001', filled: 0.01, avgPrice: 30_000, fee: 0.3 });
    expect([f.state, f.exchangeOrderId, f.filled, f.avgPrice, f.fee]).toEqual(['FILLED', '1000001', 0.01, 30_000, 0.3]);
    expect(j.events('ck1').map((e) => `${e.from}>${e.to}`)).toEqual(['null>PLANNED', 'PLANNED>SUBMITTING', 'SUBMITTING>FILLED']);
    j.close();
  });

  it('refuses transitions the state machine does not allow', () => {
    const { j } = journal();
    j.plan(intent('ck1'));
    expect(() => j.transition('ck1', 'FILLED')).toThrow(/cannot go from PLANNED to FILLED/);
    j.markSubmitting('ck1', 1);
    j.transition('ck1', 'REJECTED', { lastError: 'x' });
    expect(() => j.markSubmitting('ck1', 2)).toThrow(/cannot go from REJECTED to SUBMITTING/);
    j.close();
  });

  it('allows the same id to be sent again only after NOT_PLACED', () => {
    const { j } = journal();
    j.plan(intent('ck1'));
    j.markSubmitting('ck1', 1);
    j.transition('ck1', 'UNKNOWN');
    expect(() => j.markSubmitting('ck1', 2)).toThrow(/UNKNOWN to SUBMITTING/);
    j.transition('ck1', 'NOT_PLACED');
    expect(j.markSubmitting('ck1', 3).attempts).toBe(2);
    j.close();
  });

  it('lists SUBMITTING and UNKNOWN rows as unsettled after a reopen', () => {
    const { j, file } = journal();
    for (const id of ['a', 'b', 'c']) j.plan(intent(id));
    j.markSubmitting('a', 1);
    j.markSubmitting('b', 1);
    j.transition('b', 'UNKNOWN');
    j.close();
    const db = openTradingDb(file);
    const again = new OrderJournal(db);
    expect(again.unsettled().map((r) => [r.clientOrderId, r.state])).toEqual([['a', 'SUBMITTING'], ['b', 'UNKNOWN']]);
    db.close();
  });
});
