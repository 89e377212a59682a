import { describe, expect, it } from 'vitest';
import { marketRulesFromCcxt } from '../../data/fetch/market-rules.js';

const market = (precision: { amount?: number; price?: number }, limits: { amount?: { min?: number }; cost?: { min?: number } } = {}) => ({ symbol: 'BTC/USDT', precision, limits });

describe('market rules from a ccxt market', () => {
  it('takes TICK_SIZE precision as the steps, and the amount and cost minimums', () => {
    expect(marketRulesFromCcxt(market({ amount: 0.00001, price: 0.01 }, { amount: { min: 0.00001 }, cost: { min: 5 } }), 4)).toEqual({
      amountStep: 0.00001, priceStep: 0.01, minAmount: 0.00001, minNotional: 5,
    });
  });

  it('turns DECIMAL_PLACES precision (digit counts) into steps', () => {
    expect(marketRulesFromCcxt(market({ amount: 3, price: 2 }), 2)).toEqual({ amountStep: 0.001, priceStep: 0.01, minAmount: 0, minNotional: 0 });
    expect(marketRulesFromCcxt(market({ amount: 0, price: 8 }), 2)).toEqual({ amountStep: 1, priceStep: 1e-8, minAmount: 0, minNotional: 0 });
  });

  it('leaves steps unrestricted under SIGNIFICANT_DIGITS, and states nothing when the market states nothing', () => {
    expect(marketRulesFromCcxt(market({ amount: 5, price: 5 }, { cost: { min: 10 } }), 3)).toEqual({ amountStep: 0, priceStep: 0, minAmount: 0, minNotional: 10 });
    expect(marketRulesFromCcxt(market({}), 4)).toBeUndefined();
    expect(marketRulesFromCcxt({ symbol: 'X/Y' }, undefined)).toBeUndefined();
  });
});
