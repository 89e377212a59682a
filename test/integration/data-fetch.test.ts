import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, UserError, type BarColumns } from '../../engine/domain/index.js';
import { openBarStore } from '../../data/index.js';
import { fetchBars } from '../../data/fetch/index.js';
import {
  generateFixtureBars,
  startBinanceFixtureServer,
  type FixtureOptions,
  type FixtureRow,
  type FixtureServer,
} from '../helpers/binance-fixture-server.js';
import { BIN, ROOT, rm, runCli, spawnCli, tempDir, type CliResult } from '../helpers/cli.js';

const H = 3_600_000;
const START = Date.UTC(2024, 0, 1);
const COUNT = 2600;
const ROWS = generateFixtureBars({ start: START, intervalMs: H, count: COUNT, seed: 11 });
// The exchange's clock is half-way through the last fixture bar: that bar is still forming.
const SERVER_TIME = START + (COUNT - 1) * H + 30 * 60_000;
const FORMING = START + (COUNT - 1) * H;
const KEY = { instrument: 'binance:BTC/USDT', timeframe: '1h' } as const;
const FAST = { maxAttempts: 5, baseDelayMs: 10 };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function columns(rows: readonly FixtureRow[]): BarColumns {
  const c = allocBarColumns(rows.length);
  rows.forEach(([t, o, h, l, cl, v], i) => {
    c.openTime[i] = t; c.open[i] = o; c.high[i] = h; c.low[i] = l; c.close[i] = cl; c.volume[i] = v;
  });
  return c;
}

/** The hash of the closed fixture bars `[from, to)` imported straight into a fresh store. */
function fixtureHash(rows: readonly FixtureRow[], from = START, to = FORMING): string {
  const home = tempDir('ck-fetch-ref-');
  const store = openBarStore(home);
  try {
    store.upsert(KEY, columns(rows.filter((r) => r[0] >= from && r[0] < to)), { source: 'fixture' });
    return store.contentHash(KEY);
  } finally {
    store.close();
    rm(home);
  }
}

async function server(opts: Partial<FixtureOptions> = {}): Promise<FixtureServer> {
  const s = await startBinanceFixtureServer({ series: { BTCUSDT: { '1h': ROWS } }, serverTime: SERVER_TIME, ...opts });
  cleanup.push(() => s.close());
  return s;
}

function home(): string {
  const h = tempDir('ck-fetch-');
  cleanup.push(() => rm(h));
  return h;
}

const klines = (s: FixtureServer) => s.requests.filter((r) => r.path === '/api/v3/klines');

describe('data fetch (app function, ccxt binance against a loopback exchange)', () => {
  let referenceHash: string;
  beforeAll(() => {
    referenceHash = fixtureHash(ROWS);
  });

  it('downloads page by page at the exchange limit and stores exactly the closed bars', async () => {
    const s = await server();
    const h = home();
    const store = openBarStore(h);
    try {
      const r = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      expect(r).toMatchObject({ source: 'ccxt:binance', from: START, to: FORMING, serverTime: SERVER_TIME, pages: 3, stored: COUNT - 1, inserted: COUNT - 1, updated: 0, retries: 0, interrupted: false, firstStored: START, lastStored: FORMING - H });
      expect(klines(s).map((q) => [q.query.startTime, q.query.limit])).toEqual([
        [String(START), '1000'],
        [String(START + 1000 * H), '1000'],
        [String(START + 2000 * H), '1000'],
      ]);
      expect(s.unexpected).toEqual([]);
      const info = store.info(KEY)!;
      expect(info).toMatchObject({ count: COUNT - 1, first: START, last: FORMING - H, source: 'ccxt:binance', missing: 0 });
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
  });

  it('never stores the still-forming bar, even when the exchange serves it', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      await fetchBars(store, { ...KEY, since: FORMING - 5 * H }, { apiBaseUrl: s.url, retry: FAST });
      // The exchange's reply included the forming bar (openTime + 1h > server time)…
      expect(klines(s)).toHaveLength(1);
      // …but only the five closed bars before it were stored.
      const bars = store.read(KEY);
      expect(Array.from(bars.openTime)).toEqual([5, 4, 3, 2, 1].map((k) => FORMING - k * H));
      expect(store.read(KEY, { from: FORMING }).length).toBe(0);
    } finally {
      store.close();
    }
  });

  it('retries a 500, a 429 with Retry-After and a connection reset, and the stored series is exact', async () => {
    const s = await server({
      failures: new Map([
        [2, { kind: 'status500' }],
        [3, { kind: 'status429', retryAfterS: 1 }],
        [5, { kind: 'reset' }],
      ]),
    });
    const store = openBarStore(home());
    const retries: { attempt: number; delayMs: number; error: string }[] = [];
    try {
      const r = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST, onRetry: (x) => retries.push(x) });
      expect(r).toMatchObject({ pages: 3, stored: COUNT - 1, retries: 3, interrupted: false });
      // Backoff doubles (10 ms, 20 ms); the 429's Retry-After of 1 s wins over the backoff.
      expect(retries.map((x) => [x.attempt, x.delayMs])).toEqual([[1, 10], [2, 1000], [1, 10]]);
      expect(retries[0]!.error).toContain('ExchangeNotAvailable');
      expect(retries[1]!.error).toMatch(/DDoSProtection|RateLimitExceeded/);
      expect(retries[2]!.error).toContain('NetworkError');
      expect(klines(s).map((q) => q.status)).toEqual([200, 500, 429, 200, 0, 200]);
      expect(store.info(KEY)!.count).toBe(COUNT - 1);
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
  });

  it('downloads nothing new on a re-fetch of a stored range', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      const before = klines(s).length;
      const again = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      expect(again).toMatchObject({ ranges: [], pages: 0, stored: 0, inserted: 0 });
      expect(klines(s).length).toBe(before);
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
  });

  it('resumes after the last stored bar and fetches only a missing head before the first', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      const mid = START + 1200 * H;
      const first = await fetchBars(store, { ...KEY, since: mid, until: mid + 500 * H }, { apiBaseUrl: s.url, retry: FAST });
      expect(first).toMatchObject({ stored: 500, lastStored: mid + 499 * H });
      const n = klines(s).length;
      const second = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      expect(second.ranges).toEqual([
        { from: START, to: mid },
        { from: mid + 500 * H, to: FORMING },
      ]);
      expect(second.stored).toBe(COUNT - 1 - 500);
      const starts = klines(s).slice(n).map((q) => Number(q.query.startTime));
      expect(starts).toEqual([START, START + 1000 * H, mid + 500 * H]);
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
  });

  it('with fillGaps, fills holes between stored bars, asking only for the missing ranges', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      // Two holes inside the stored series (a lost page, a single bar).
      store.delete(KEY, { from: START + 700 * H, to: START + 940 * H });
      store.delete(KEY, { from: START + 2000 * H, to: START + 2001 * H });
      const n = klines(s).length;
      const again = await fetchBars(store, { ...KEY, since: START, fillGaps: true }, { apiBaseUrl: s.url, retry: FAST });
      expect(again).toMatchObject({
        ranges: [{ from: START + 700 * H, to: START + 940 * H }, { from: START + 2000 * H, to: START + 2001 * H }],
        gapsAsked: 2, stored: 241, inserted: 241,
      });
      expect(klines(s).slice(n).map((q) => Number(q.query.startTime))).toEqual([START + 700 * H, START + 2000 * H]);
      expect(store.contentHash(KEY)).toBe(referenceHash);
      // By default only before the first and after the last stored bar.
      store.delete(KEY, { from: START + 10 * H, to: START + 20 * H });
      const skipped = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      expect(skipped).toMatchObject({ ranges: [], gapsAsked: 0, stored: 0 });
    } finally {
      store.close();
    }
  });

  it('re-downloads a stored range with force and counts changed bars as updated', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      const changed = columns(ROWS.slice(0, 10));
      changed.volume[4] = 123.456;
      store.upsert(KEY, changed, { source: 'csv:test' });
      const r = await fetchBars(store, { ...KEY, since: START, until: START + 10 * H, force: true }, { apiBaseUrl: s.url, retry: FAST });
      expect(r).toMatchObject({ stored: 10, inserted: 0, updated: 1, unchanged: 9 });
      expect(store.read(KEY).volume[4]).toBe(ROWS[4]![5]);
    } finally {
      store.close();
    }
  });

  it('gives up after the attempt cap with a message saying what was saved', async () => {
    const fail = new Map(Array.from({ length: 10 }, (_, i) => [i + 2, { kind: 'status500' as const }]));
    const s = await server({ failures: fail });
    const store = openBarStore(home());
    try {
      const err = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: { maxAttempts: 3, baseDelayMs: 1 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(
        /^binance: fetching BTC\/USDT 1h bars from 2024-02-11T16:00:00Z failed after 3 attempts \(ExchangeNotAvailable: .*\); saved 1000 bars this run \(2024-01-01T00:00:00Z … 2024-02-11T15:00:00Z\); run the same command again to resume$/,
      );
      expect(store.info(KEY)!.count).toBe(1000);
    } finally {
      store.close();
    }
  });

  it('rejects a page with a bad row, naming the exchange, the bar time and the value, and stores nothing of that page', async () => {
    const s = await server({ failures: new Map([[2, { kind: 'badRow', column: 2, value: '1.00000000' }]]) });
    const store = openBarStore(home());
    try {
      const err = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      const t = START + 1000 * H;
      expect((err as Error).message).toBe(
        `binance returned a bad BTC/USDT 1h bar at 2024-02-11T16:00:00Z (${t}): high 1 is below low ${ROWS[1000]![3]}; nothing of that page was stored; saved 1000 bars this run (2024-01-01T00:00:00Z … 2024-02-11T15:00:00Z); run the same command again to resume`,
      );
      expect(store.info(KEY)!.count).toBe(1000);
    } finally {
      store.close();
    }
  });

  it('rejects a non-numeric price in a reply row', async () => {
    const s = await server({ failures: new Map([[1, { kind: 'badRow', column: 4, value: 'abc' }]]) });
    const store = openBarStore(home());
    try {
      const err = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST }).catch((e: unknown) => e);
      expect((err as Error).message).toContain(`binance returned a bad BTC/USDT 1h bar at 2024-01-01T00:00:00Z (${START}): close undefined is not a finite number`);
      expect(store.info(KEY)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('stops after the current page when aborted, keeps committed pages, and the next run resumes', async () => {
    const s = await server({ stallAt: 2 });
    const store = openBarStore(home());
    try {
      const ac = new AbortController();
      const run = fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST, signal: ac.signal });
      await s.stalled();
      ac.abort();
      s.release();
      const r = await run;
      expect(r).toMatchObject({ interrupted: true, pages: 2, stored: 2000 });
      expect(store.info(KEY)!.count).toBe(2000);
      const resumed = await fetchBars(store, { ...KEY, since: START }, { apiBaseUrl: s.url, retry: FAST });
      expect(resumed).toMatchObject({ interrupted: false, ranges: [{ from: START + 2000 * H, to: FORMING }], stored: COUNT - 1 - 2000 });
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
  });

  it('refuses --until at or before --since, and stores nothing when no bar of the range has closed', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      await expect(fetchBars(store, { ...KEY, since: START, until: START }, { apiBaseUrl: s.url })).rejects.toThrow(
        '--until 2024-01-01T00:00:00Z must be after --since 2024-01-01T00:00:00Z',
      );
      const r = await fetchBars(store, { ...KEY, since: FORMING }, { apiBaseUrl: s.url, retry: FAST });
      expect(r).toMatchObject({ from: FORMING, to: FORMING, ranges: [], pages: 0, stored: 0 });
      expect(klines(s)).toEqual([]);
      expect(store.info(KEY)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('names unknown exchanges, symbols and unsupported timeframes with suggestions', async () => {
    const s = await server();
    const store = openBarStore(home());
    try {
      const msg = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
      expect(await msg(fetchBars(store, { instrument: 'binanse:BTC/USDT', timeframe: '1h', since: START }, { apiBaseUrl: s.url }))).toBe(
        'UserError: unknown exchange "binanse" — did you mean "binance"?',
      );
      expect(await msg(fetchBars(store, { instrument: 'binance:BTC/USDTT', timeframe: '1h', since: START }, { apiBaseUrl: s.url }))).toBe(
        'UserError: unknown symbol "BTC/USDTT" on binance — did you mean "BTC/USDT"?',
      );
      expect(await msg(fetchBars(store, { instrument: 'kraken:BTC/USD', timeframe: '3m', since: START }, { apiBaseUrl: s.url }))).toMatch(
        /^UserError: timeframe "3m" is not offered by kraken \(it offers: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w/,
      );
      expect(store.list()).toEqual([]);
    } finally {
      store.close();
    }
  });
});

/** Runs the CLI in a child process without blocking this process (the fixture server lives here). */
function runCliAsync(args: readonly string[], opts: { home: string; onSpawn?: (c: ChildProcess) => void }): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  const child = spawnCli(args, { home: opts.home });
  opts.onSpawn?.(child);
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })));
}

describe('candlekeep data fetch (CLI)', { timeout: 120_000 }, () => {
  const base = (url: string) => ['data', 'fetch', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--exchange-url', url, '--retry-delay-ms', '10'];
  let referenceHash: string;
  beforeAll(() => {
    referenceHash = fixtureHash(ROWS);
  });

  it('fetches through failing pages and prints a JSON summary', async () => {
    const s = await server({ failures: new Map([[2, { kind: 'status500' }], [3, { kind: 'reset' }]]) });
    const h = home();
    const r = await runCliAsync([...base(s.url), '--since', '2024-01-01', '--json'], { home: h });
    expect(r.stderr).toContain('retry 1/4');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ instrument: 'binance:BTC/USDT', timeframe: '1h', source: 'ccxt:binance', stored: COUNT - 1, retries: 2, interrupted: false, fromIso: '2024-01-01T00:00:00Z' });
    const store = openBarStore(h);
    try {
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
    // Without --since the stored series resumes after its last bar: nothing new.
    const again = await runCliAsync([...base(s.url), '--json'], { home: h });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: 0, pages: 0, ranges: [] });
  });

  it('on SIGINT commits the current page, exits 130 with a summary, and the next run completes the series', async () => {
    const s = await server({ stallAt: 2 });
    const h = home();
    let child: ChildProcess | undefined;
    const run = runCliAsync([...base(s.url), '--since', '2024-01-01'], { home: h, onSpawn: (c) => (child = c) });
    await s.stalled();
    // The CLI acknowledges the signal on stderr; only then is the stalled page answered.
    const acknowledged = new Promise<void>((resolve) => {
      let seen = '';
      child!.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('stopping after the current page')) resolve();
      });
    });
    child!.kill('SIGINT');
    await acknowledged;
    s.release();
    const r = await run;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('stopping after the current page');
    expect(r.stderr).toContain('interrupted: 2000 bars of 2 pages were committed; run the same command again to resume');
    expect(r.stdout).toMatch(/bars stored\s+2000/);
    const resumed = await runCliAsync([...base(s.url), '--json'], { home: h });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ stored: COUNT - 1 - 2000, ranges: [{ from: START + 2000 * H, to: FORMING }] });
    const store = openBarStore(h);
    try {
      expect(store.contentHash(KEY)).toBe(referenceHash);
    } finally {
      store.close();
    }
  });

  it('keeps the committed pages when the process is killed mid-download, and resumes', async () => {
    const s = await server({ stallAt: 3 });
    const h = home();
    let child: ChildProcess | undefined;
    const run = runCliAsync([...base(s.url), '--since', '2024-01-01'], { home: h, onSpawn: (c) => (child = c) });
    await s.stalled();
    child!.kill('SIGKILL');
    const r = await run;
    expect(r.signal).toBe('SIGKILL');
    s.release();
    const store = openBarStore(h);
    try {
      expect(store.info(KEY)).toMatchObject({ count: 2000, first: START, last: START + 1999 * H });
    } finally {
      store.close();
    }
    const resumed = await runCliAsync([...base(s.url), '--since', '2024-01-01', '--json'], { home: h });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ stored: COUNT - 1 - 2000, ranges: [{ from: START + 2000 * H, to: FORMING }] });
    const again = openBarStore(h);
    try {
      expect(again.contentHash(KEY)).toBe(referenceHash);
    } finally {
      again.close();
    }
  });

  it('exits 1 with one line for an unknown symbol and for a missing --since on a new series', async () => {
    const s = await server();
    const h = home();
    const bad = await runCliAsync(['data', 'fetch', '--instrument', 'binance:ETH/USDC', '--timeframe', '1h', '--since', '2024-01-01', '--exchange-url', s.url], { home: h });
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toMatch(/^candlekeep: unknown symbol "ETH\/USDC" on binance — did you mean "ETH\/USDT"\?\n$/);
    const noSince = await runCliAsync(base(s.url), { home: h });
    expect(noSince.code, noSince.stderr).toBe(1);
    expect(noSince.stderr).toBe('candlekeep: --since is required: binance:BTC/USDT 1h is not stored yet\n');
    const badUrl = await runCliAsync([...base('ftp://x'), '--since', '2024-01-01'], { home: h });
    expect(badUrl.code, badUrl.stderr).toBe(1);
    expect(badUrl.stderr).toBe('candlekeep: exchange-url: "ftp://x" must be an http:// or https:// URL\n');
  });

  it('stores the same content hash as `data import` of the fixture written as CSV', async () => {
    const s = await server();
    const fetched = home();
    const r = await runCliAsync([...base(s.url), '--since', '2024-01-01', '--json'], { home: fetched });
    expect(r.code, r.stderr).toBe(0);
    const imported = home();
    const csv = path.join(imported, 'fixture.csv');
    const closed = ROWS.filter((x) => x[0] < FORMING);
    fs.writeFileSync(csv, ['timestamp,open,high,low,close,volume', ...closed.map((x) => x.join(','))].join('\n') + '\n');
    const imp = runCli(['data', 'import', csv, '--instrument', 'binance:BTC/USDT', '--timeframe', '1h'], { home: imported });
    expect(imp.stderr).toBe('');
    expect(imp.code, imp.stderr).toBe(0);
    const list = (h: string) => JSON.parse(runCli(['data', 'list', '--json'], { home: h }).stdout) as { hash: string; count: number; source: string }[];
    const [a] = list(fetched);
    const [b] = list(imported);
    expect(a).toMatchObject({ count: COUNT - 1, source: 'ccxt:binance' });
    expect(b!.count).toBe(COUNT - 1);
    expect(a!.hash).toBe(b!.hash);
    expect(a!.hash).toBe(referenceHash);
    // The fetch recorded the market's rules (ccxt's view of the exchangeInfo filters); backtests round with them.
    const bt = (h: string) => runCli(['backtest', '--strategy', 'macd-trend', '--instrument', 'binance:BTC/USDT', '--timeframe', '1h', '--json', '--no-html'], { home: h, cwd: h });
    type Out = { fillAssumptions: Record<string, unknown>; trades: { size: number }[] };
    const withRules = JSON.parse(bt(fetched).stdout) as Out;
    expect(withRules.fillAssumptions.marketRules).toBe('binance:BTC/USDT: amount step 0.00001, price step 0.01, min amount 0.00001, min notional 5');
    expect(withRules.trades.length).toBeGreaterThan(5);
    for (const t of withRules.trades) expect(Math.abs(t.size * 1e5 - Math.round(t.size * 1e5))).toBeLessThan(1e-6);
    // The optimiser's trials round the same way.
    const { prepareSearch } = await import('../../engine/app/run-optimize.js');
    const prep = await prepareSearch({ strategy: 'macd-trend', instrument: 'binance:BTC/USDT', timeframe: '1h', grid: ['fast=8,12'], objective: 'sharpe' }, fetched);
    expect(prep.settings.markets).toEqual({ 'binance:BTC/USDT': { amountStep: 0.00001, priceStep: 0.01, minAmount: 0.00001, minNotional: 5 } });
    // Imported bars know no market: unrestricted sizes, and no rules stated.
    const without = JSON.parse(bt(imported).stdout) as Out;
    expect(without.fillAssumptions.marketRules).toBeUndefined();
    expect(without.trades.some((t) => Math.abs(t.size * 1e5 - Math.round(t.size * 1e5)) > 1e-6)).toBe(true);
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('shows a progress bar with an ETA on a terminal, and none with --json', async () => {
    const s = await server();
    const h = home();
    const cmd = [process.execPath, BIN, '--home', h, ...base(s.url), '--since', '2024-01-01'].map((x) => `'${x}'`).join(' ');
    // `script` gives the CLI a pseudo-terminal, so stderr is a TTY.
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, CANDLEKEEP_HOME: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/fetch \[[█░]+\] 100% \| 2599\/2599 bars \| 2599 stored \| ETA \d+s/);
    const json = await runCliAsync([...base(s.url), '--since', '2023-12-01', '--json'], { home: h });
    expect(json.stderr).not.toContain('ETA');
  });
});
