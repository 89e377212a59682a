import { describe, expect, it } from 'vitest';
import { clientOrderId, intentTuple, intentHash, krakenClientOrderId, type OrderIntent } from '../../engine/core/client-order-id.js';

const v5: OrderIntent = {
  accountId: 'acct:main', exchangeId: 'binance', strategyInstanceId: 'sma-cross-v1', symbol: 'BTC/USDT',
  timeframe: '1h', barOpenTimeMs: 1767222000000, intentKind: 'entry-long', legIndex: 0, revision: 0,
};

describe('deterministic client order ids (SIGNING.md A4)', () => {
  it('matches vector V5 exactly', () => {
    expect(intentTuple(v5)).toBe('cko1|acct:main|binance|sma-cross-v1|BTC/USDT|1h|1767222000000|entry-long|0|0');
    expect(intentHash(v5).toString('hex')).toBe('998db85674d093c036510e2b1c6154626bd70135654cb31e981b91da52e2bead');
    expect(clientOrderId(v5)).toBe('ck998db85674d093c036510e2b1c6154');
    expect(krakenClientOrderId(v5)).toBe('998db856-74d0-83c0-b651-0e2b1c615462');
  });
  it('gives ids valid for Binance, OKX and Bybit (32 chars of [a-z0-9])', () => {
    for (let r = 0; r < 50; r++) {
      const id = clientOrderId({ ...v5, revision: r });
      expect(id).toMatch(/^[a-z0-9]{32}$/);
    }
  });
  it('changes the id when the revision changes', () => {
    expect(clientOrderId({ ...v5, revision: 1 })).not.toBe(clientOrderId(v5));
  });
});
