import { describe, expect, it } from 'vitest';
import { clearExchangeInstances, getExchange } from '../../engine/brokers/ccxt/exchange-factory.js';
import { loadConfig } from '../../config/index.js';
import { UserError } from '../../engine/domain/index.js';
import { rm, tempDir } from '../helpers/cli.js';

const creds = { version: () => 1, load: () => ({ apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A', secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j' }) };

describe('exchange factory (SIGNING.md A1, A3)', () => {
  it('rejects verbose with real-looking keys, naming the field', () => {
    expect(() => getExchange({ exchangeId: 'binance', accountId: 'acct:v', verbose: true, credentials: creds })).toThrow(UserError);
    expect(() => getExchange({ exchangeId: 'binance', accountId: 'acct:v', verbose: true, credentials: creds })).toThrow(/^live\.verbose: must be false while real exchange keys are loaded/);
  });

  it('returns the same instance for the same (exchange, account) and another for another account', async () => {
    clearExchangeInstances();
    const a = await getExchange({ exchangeId: 'binance', accountId: 'acct:a', credentials: creds });
    const b = await getExchange({ exchangeId: 'binance', accountId: 'acct:a', credentials: creds });
    const c = await getExchange({ exchangeId: 'binance', accountId: 'acct:c', credentials: creds });
    expect(b).toBe(a);
    expect(b.exchange).toBe(a.exchange);
    expect(c.exchange).not.toBe(a.exchange);
  });

  it('builds the instance with live-safe settings', async () => {
    clearExchangeInstances();
    const { exchange } = await getExchange({ exchangeId: 'binance', accountId: 'acct:s', credentials: creds });
    expect(exchange.enableRateLimit).toBe(true);
    expect(exchange.timeout).toBe(10_000);
    expect(exchange.verbose).toBe(false);
    expect(exchange.options.recvWindow).toBe(5000);
    expect(exchange.options.adjustForTimeDifference).toBe(false);
    expect(exchange.options.maxRetriesOnFailure).toBe(0);
    expect(exchange.options.fetchCurrencies).toBe(false);
  });

  it('refuses a receive window above 60000 ms', () => {
    expect(() => getExchange({ exchangeId: 'binance', accountId: 'acct:r', recvWindowMs: 70_000, credentials: creds })).toThrow(/live\.recvWindowMs: 70000 is out of range/);
  });

  it('rejects a config recvWindowMs above 60000 with a message naming the field', () => {
    const home = tempDir('ck-cfg-');
    try {
      expect(() => loadConfig({ home, env: {}, overrides: { live: { recvWindowMs: 60_001 } } })).toThrow(/live\.recvWindowMs: must be at most 60000 ms/);
      expect(loadConfig({ home, env: {} }).live.recvWindowMs).toBe(5000);
    } finally {
      rm(home);
    }
  });

  it('names an unknown exchange id', async () => {
    clearExchangeInstances();
    await expect(getExchange({ exchangeId: 'binancee', accountId: 'acct:x' })).rejects.toThrow(/unknown exchange "binancee"/);
  });
});
