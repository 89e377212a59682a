import { describe, expect, it } from 'vitest';
import { RiskGuard, type RiskSnapshot } from '../../engine/core/risk.js';

const I = 'binance:BTC/USDT';
const snap = (size = 0, price = 100, openOrders = 0, others: [string, number, number][] = []): RiskSnapshot => ({
  positions: new Map([[I, { size, price }], ...others.map(([id, s, p]) => [id, { size: s, price: p }] as const)]),
  openOrders,
});

describe('risk controls before any order leaves', () => {
  it('refuses an order that would push the position notional over the per-instrument max', () => {
    const r = new RiskGuard({ maxPositionNotional: 1000 });
    expect(r.check({ instrument: I, side: 'buy', amount: 10, price: 100 }, snap(), 0)).toEqual({ ok: true });
    expect(r.check({ instrument: I, side: 'buy', amount: 10.01, price: 100 }, snap(), 0)).toEqual({ ok: false, reason: 'position notional 1001.00 on binance:BTC/USDT would exceed max 1000' });
  });

  it('counts every instrument for the total exposure limit', () => {
    const r = new RiskGuard({ maxTotalExposure: 1500 });
    const s = snap(0, 100, 0, [['binance:ETH/USDT', 2, 300]]);
    expect(r.check({ instrument: I, side: 'buy', amount: 9, price: 100 }, s, 0).ok).toBe(true);
    expect(r.check({ instrument: I, side: 'buy', amount: 9.5, price: 100 }, s, 0)).toEqual({ ok: false, reason: 'total exposure 1550.00 would exceed max 1500' });
  });

  it('limits the number of open orders', () => {
    const r = new RiskGuard({ maxOpenOrders: 2 });
    expect(r.check({ instrument: I, side: 'buy', amount: 1, price: 100 }, snap(0, 100, 1), 0).ok).toBe(true);
    expect(r.check({ instrument: I, side: 'buy', amount: 1, price: 100 }, snap(0, 100, 2), 0)).toEqual({ ok: false, reason: 'max open orders 2 reached' });
  });

  it('always lets an order through that only reduces the position (exits, flatten)', () => {
    const r = new RiskGuard({ maxPositionNotional: 10, maxOpenOrders: 0, maxDailyLoss: 1 });
    r.onEquity(1000, 0);
    expect(r.onEquity(900, 1000)).toMatch(/daily loss/);
    expect(r.check({ instrument: I, side: 'sell', amount: 5, price: 100 }, snap(5), 2000)).toEqual({ ok: true });
    expect(r.check({ instrument: I, side: 'sell', amount: 6, price: 100 }, snap(5), 2000).ok).toBe(false);
  });

  it('fires the daily loss kill switch once and then blocks new risk', () => {
    const r = new RiskGuard({ maxDailyLoss: 100 });
    expect(r.onEquity(10_000, 0)).toBeUndefined();
    expect(r.onEquity(9_950, 1)).toBeUndefined();
    expect(r.onEquity(9_900, 2)).toBe('daily loss 100.00 reached max 100');
    expect(r.onEquity(9_000, 3)).toBeUndefined();
    expect(r.check({ instrument: I, side: 'buy', amount: 1, price: 100 }, snap(), 4)).toEqual({ ok: false, reason: 'kill switch: daily loss 100.00 reached max 100' });
  });

  it('measures the daily loss from the first equity of each UTC day', () => {
    const r = new RiskGuard({ maxDailyLoss: 100 });
    r.onEquity(10_000, 0);
    expect(r.onEquity(9_950, 86_399_999)).toBeUndefined();
    expect(r.onEquity(9_900, 86_400_000)).toBeUndefined();
    expect(r.onEquity(9_800, 86_400_001)).toBe('daily loss 100.00 reached max 100');
  });

  it('fires the drawdown kill switch against the peak equity', () => {
    const r = new RiskGuard({ maxDrawdownPct: 0.1 });
    r.onEquity(10_000, 0);
    r.onEquity(12_000, 1);
    expect(r.onEquity(10_801, 2)).toBeUndefined();
    expect(r.onEquity(10_800, 3)).toBe('drawdown 10.00% reached max 10.00%');
    expect(r.killed).toBe('drawdown 10.00% reached max 10.00%');
  });

  it('cools down after N consecutive losses and a win resets the count', () => {
    const r = new RiskGuard({ cooldownAfterLosses: 2, cooldownMs: 1000 });
    r.onTradeClosed(-1, 0);
    r.onTradeClosed(5, 1);
    r.onTradeClosed(-1, 2);
    expect(r.check({ instrument: I, side: 'buy', amount: 1, price: 100 }, snap(), 3).ok).toBe(true);
    r.onTradeClosed(-1, 10);
    expect(r.cooldownUntil).toBe(1010);
    expect(r.check({ instrument: I, side: 'buy', amount: 1, price: 100 }, snap(), 1009)).toEqual({ ok: false, reason: 'cooldown after 2 consecutive losses until 1970-01-01T00:00:01.010Z' });
    expect(r.check({ instrument: I, side: 'buy', amount: 1, price: 100 }, snap(), 1010).ok).toBe(true);
  });
});
