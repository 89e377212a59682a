import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBarStore } from '../../data/index.js';
import { rm, runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { T0, binanceAt, testBars } from './local-exchange-fixture.js';

let home: string;

beforeAll(() => {
  home = tempDir('ck-lex-');
  const store = openBarStore(home);
  try {
    store.upsert({ instrument: 'binance:BTC/USDT', timeframe: '1h' }, testBars(), { source: 'test' });
  } finally {
    store.close();
  }
});
afterAll(() => rm(home));

type ServeInfo = { url: string; port: number; apiKey: string; apiSecret: string; speed: number; series: unknown[]; replayStart: number };

/** Starts `candlekeep exchange serve --json` and resolves with its startup JSON. */
function serve(extra: string[] = []): Promise<{ child: ChildProcessWithoutNullStreams; info: ServeInfo; stderr: () => string }> {
  const child = spawnCli(['exchange', 'serve', '--port', '0', '--data', 'binance:BTC/USDT:1h', '--json', ...extra], { home, env: { CANDLEKEEP_EXCHANGE_SECRET: 'cli-secret' } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve({ child, info: JSON.parse(out) as ServeInfo, stderr: () => err });
      } catch {
        // not complete yet
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before starting: ${err}`)));
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('candlekeep exchange serve', () => {
  it('answers /api/v3/time and stops cleanly on SIGINT', async () => {
    const { child, info } = await serve(['--speed', '0']);
    expect(info).toMatchObject({ apiKey: 'candlekeep-local', apiSecret: '(from CANDLEKEEP_EXCHANGE_SECRET)', speed: 0, series: [{ instrument: 'binance:BTC/USDT', timeframe: '1h', bars: 10 }], replayStart: T0 });
    expect(info.url).toBe(`http://127.0.0.1:${info.port}`);
    const res = await fetch(`${info.url}/api/v3/time`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { serverTime: number };
    expect(typeof body.serverTime).toBe('number');
    const adv = (await (await fetch(`${info.url}/__admin/advance`, { method: 'POST', body: '{"bars":1}' })).json()) as { prices: Record<string, number> };
    expect(adv.prices).toEqual({ 'BTC/USDT': 101 });
    const exited = exitOf(child);
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('trades with ccxt binance out of process and reports counters through /__admin', async () => {
    const { child, info } = await serve(['--speed', '0', '--balance', 'USDT=500']);
    try {
      const b = binanceAt(info.url, { apiKey: info.apiKey, secret: 'cli-secret' });
      await b.loadMarkets();
      const o = await b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'ck-cli-1' });
      expect(o).toMatchObject({ status: 'closed', average: 100 });
      expect((await b.fetchBalance())['USDT']!.free).toBe(489.99);
      const counters = (await (await fetch(`${info.url}/__admin/counters`)).json()) as { orderPosts: number; postsByClientOrderId: Record<string, number> };
      expect(counters).toMatchObject({ orderPosts: 1, postsByClientOrderId: { 'ck-cli-1': 1 } });
    } finally {
      const exited = exitOf(child);
      child.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const { child, info } = await serve();
    expect((await fetch(`${info.url}/api/v3/ping`)).status).toBe(200);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('refuses a series that is not stored, with a one-line message', () => {
    const r = runCli(['exchange', 'serve', '--data', 'binance:ETH/USDT:1h'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--data: no bars stored for binance:ETH/USDT 1h');
    expect(r.stderr).not.toContain('    at ');
  });

  it('refuses a malformed --data value', () => {
    const r = runCli(['exchange', 'serve', '--data', 'binance:BTC/USDT'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--data');
  });
});
