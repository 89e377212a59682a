import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, spawnCli, rm, tempDir } from '../helpers/cli.js';
import { startLocalExchange, type LocalExchange } from '../../engine/local-exchange/index.js';
import { syntheticBars } from './live-harness.js';

// Needs dist/ (npm test builds it first).
let home: string;
beforeAll(() => {
  home = tempDir('ck-live-cli-');
});
afterAll(() => rm(home));

const KEY = 'cliTestApiKey00000000000001';
const SECRET = 'cliTestSecretXq93Lm2Np8Rt5Vb1Hc7';
const MASTER = { CANDLEKEEP_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };

function runAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(args, { home, env: { ...MASTER, ...env } });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += String(d)));
  p.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('candlekeep live / paper / keys exchange', () => {
  it('refuses to trade live without --confirm-live, and without a key says how to add one', () => {
    const a = runCli(['live', '--strategy', 'sma-cross', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h'], { home, env: MASTER });
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/add --confirm-live/);
    const b = runCli(['live', '--strategy', 'sma-cross', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--confirm-live', '--account', 'nokey'], { home, env: MASTER });
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/candlekeep keys exchange add --exchange binance --account nokey/);
  });

  it('keys exchange add reads the secret from stdin (never a flag) and stores it encrypted', () => {
    const r = runCli(['keys', 'exchange', 'add', '--exchange', 'binance', '--account', 'main'], { home, env: MASTER, input: `${KEY}\n${SECRET}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stored binance key cliT… for account "main" \(version 1\)/);
    const l = runCli(['keys', 'exchange', 'list', '--json'], { home, env: MASTER });
    expect(JSON.parse(l.stdout)).toMatchObject([{ accountId: 'main', exchange: 'binance', version: 1, apiKeyHint: 'cliT' }]);
    for (const f of fs.readdirSync(home)) {
      const p = path.join(home, f);
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes(Buffer.from(SECRET))).toBe(false);
    }
    const flag = runCli(['keys', 'exchange', 'add', '--exchange', 'binance', '--account', 'main', '--secret', 'x'], { home, env: MASTER });
    expect(flag.code).toBe(1);
  });

  describe('sessions against a local exchange', () => {
    let ex: LocalExchange;
    beforeAll(async () => {
      ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(3000) }], apiKeys: [{ key: KEY, secret: SECRET }], balances: { USDT: 10_000 }, speed: 72_000 });
    });
    afterAll(() => ex.close());

    const common = () => ['--strategy', 'sma-cross', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--param', 'fast=5', '--param', 'slow=15', '--param', 'size=0.1', '--exchange-url', ex.url, '--poll-ms', '30', '--max-bars', '120', '--json'];

    it('a live session places every order once, journals it FILLED, and live status/diff report on it', async () => {
      const r = await runAsync(['live', ...common(), '--confirm-live']);
      expect(r.code, r.stderr).toBe(0);
      const final = JSON.parse(r.stdout) as { sessionId: string; bars: number; orders: number };
      expect(final.bars).toBeGreaterThanOrEqual(120);
      const st = runCli(['live', 'status', '--session', final.sessionId, '--json'], { home });
      const s = JSON.parse(st.stdout) as { session: { status: string }; orders: { state: string; clientOrderId: string }[]; unsettled: number };
      expect(s.session.status).toBe('stopped');
      expect(s.unsettled).toBe(0);
      expect(s.orders.length).toBe(final.orders);
      expect(final.orders).toBeGreaterThanOrEqual(2);
      expect(s.orders.every((o) => o.state === 'FILLED')).toBe(true);
      for (const o of s.orders) expect(ex.counters.postsFor(o.clientOrderId)).toBe(1);
      const d = runCli(['live', 'diff', '--session', final.sessionId, '--json'], { home });
      expect(d.code, d.stderr).toBe(0);
      const diff = JSON.parse(d.stdout) as { differing: number; missed: number; extra: number; matched: number; liveTrades: number; closedAfterPeriod: number; rows: { kind: string; same: boolean; entryPriceDiff?: number }[] };
      // Same signals on the same bars; in a real-time replay a fill may meet a later tick than the bar's open,
      // which diff reports as a differing trade with its price difference.
      expect([diff.missed, diff.extra]).toEqual([0, 0]);
      expect(diff.matched + diff.differing + diff.closedAfterPeriod).toBe(diff.liveTrades);
      expect(diff.rows.filter((r) => !r.same).every((r) => typeof r.entryPriceDiff === 'number')).toBe(true);
      const text = runCli(['live', 'diff', '--session', final.sessionId], { home });
      expect(text.stdout).toMatch(/missed in live\s+0/);
      const logs = fs.readdirSync(path.join(home, 'logs')).map((f) => fs.readFileSync(path.join(home, 'logs', f), 'utf8')).join('');
      expect(logs).toContain('order state');
      expect(logs.includes(SECRET) || logs.includes(KEY)).toBe(false);
    }, 60_000);

    it('SIGINT stops a live session cleanly: exit 0, session stopped, no unsettled journal rows', async () => {
      const args = common().filter((a, i, all) => a !== '--max-bars' && all[i - 1] !== '--max-bars');
      const p = spawnCli(['live', ...args, '--confirm-live'], { home, env: MASTER });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += String(d)));
      p.stderr.on('data', (d) => (stderr += String(d)));
      const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
      for (let i = 0; i < 200 && !/started/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1500));
      p.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
      const final = JSON.parse(stdout) as { sessionId: string; bars: number };
      expect(final.bars).toBeGreaterThan(0);
      const st = JSON.parse(runCli(['live', 'status', '--session', final.sessionId, '--json'], { home }).stdout) as { session: { status: string }; unsettled: number; orders: { state: string }[] };
      expect(st.session.status).toBe('stopped');
      expect(st.unsettled).toBe(0);
      expect(st.orders.every((o) => o.state === 'FILLED')).toBe(true);
    }, 60_000);

    it('a paper session runs on the live feed without sending any order', async () => {
      const posts = ex.counters.orderPosts;
      const r = await runAsync(['paper', ...common()]);
      expect(r.code, r.stderr).toBe(0);
      const final = JSON.parse(r.stdout) as { mode: string; bars: number };
      expect(final.mode).toBe('paper');
      expect(final.bars).toBeGreaterThanOrEqual(120);
      expect(ex.counters.orderPosts).toBe(posts);
    }, 60_000);
  });
});
