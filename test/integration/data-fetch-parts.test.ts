import { describe, expect, it } from 'vitest';
import { UserError } from '../../engine/domain/index.js';
import { parseRetryAfterMs, rewriteApiUrls, validateOhlcvPage } from '../../data/fetch/index.js';
import { parseBaseUrl } from '../../data/fetch/open-exchange.js';

const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);
const ctx = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' } as const;

describe('data fetch parts', () => {
  it('rewrites every api URL to the base origin and keeps each path', () => {
    const api = { public: 'https://api.binance.com/api/v3', fapiPublic: 'https://fapi.binance.com/fapi/v1', nested: { rest: 'https://x.example/', bare: 'https://y.example' }, n: 3 };
    expect(rewriteApiUrls(api, parseBaseUrl('http://127.0.0.1:8080'))).toEqual({
      public: 'http://127.0.0.1:8080/api/v3',
      fapiPublic: 'http://127.0.0.1:8080/fapi/v1',
      nested: { rest: 'http://127.0.0.1:8080/', bare: 'http://127.0.0.1:8080' },
      n: 3,
    });
    expect(rewriteApiUrls(api.public, parseBaseUrl('http://127.0.0.1:8080/mirror/'))).toBe('http://127.0.0.1:8080/mirror/api/v3');
    expect(() => parseBaseUrl('not a url')).toThrow('exchange-url: "not a url" is not a URL (use e.g. http://127.0.0.1:8080)');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfterMs('1', 0)).toBe(1000);
    expect(parseRetryAfterMs('2.5', 0)).toBe(2500);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 00:00:10 GMT', T)).toBe(10_000);
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
  });

  it('accepts a valid page as columns', () => {
    const c = validateOhlcvPage([[T, 10, 12, 9, 11, 5], [T + H, 11, 11, 11, 11, 0]], ctx);
    expect(Array.from(c.openTime)).toEqual([T, T + H]);
    expect(Array.from(c.volume)).toEqual([5, 0]);
  });

  it.each([
    [[[T, 10, 12, 9, 11, Number.NaN]], 'volume null is not a finite number'],
    [[[T, 10, 12, 9, undefined, 1]], 'close undefined is not a finite number'],
    [[[T, 10, 12, 0, 11, 1]], 'low 0 is not positive'],
    [[[T, -1, 12, 9, 11, 1]], 'open -1 is not positive'],
    [[[T, 10, 12, 9, 11, -1]], 'volume -1 is negative'],
    [[[T, 10, 8, 9, 11, 1]], 'high 8 is below low 9'],
    [[[T, 10, 10.5, 9, 11, 1]], 'high 10.5 is below close 11'],
    [[[T, 10, 12, 10.5, 11, 1]], 'low 10.5 is above open 10'],
    [[[T + 1, 10, 12, 9, 11, 1]], 'timestamp 1704067200001 is not on the 1h grid'],
    [[[T + H, 10, 12, 9, 11, 1], [T, 10, 12, 9, 11, 1]], "timestamp is not after the previous bar's (2024-01-01T01:00:00Z)"],
  ])('rejects a bad reply row: %j', (rows, what) => {
    try {
      validateOhlcvPage(rows, ctx);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).toMatch(/^binance returned a bad BTC\/USDT 1h bar at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \(\d+\): /);
      expect((e as Error).message).toContain(`: ${what}; nothing of that page was stored`);
    }
  });
});
