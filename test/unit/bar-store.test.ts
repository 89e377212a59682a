import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_BARS, hashBars, openBarStore, type SqliteBarStore } from '../../data/index.js';
import { SNAPSHOT_MIN_BARS } from '../../data/store/bar-snapshot.js';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import type { SeriesKey } from '../../engine/ports/index.js';
import { rm, tempDir } from '../helpers/cli.js';

const M = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const KEY: SeriesKey = { instrument: 'binance:BTC/USDT', timeframe: '1m' };

function bars(idx: number[]): BarColumns {
  const c = allocBarColumns(idx.length);
  idx.forEach((i, k) => {
    c.openTime[k] = T0 + i * M;
    c.open[k] = 100 + i / 8;
    c.high[k] = 101 + i / 8;
    c.low[k] = 99 + i / 8;
    c.close[k] = 100.5 + i / 8;
    c.volume[k] = i % 17;
  });
  return c;
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

let dir: string;
let store: SqliteBarStore;
beforeEach(() => {
  dir = tempDir('ck-store-');
  store = openBarStore(dir);
});
afterEach(() => {
  store.close();
  rm(dir);
});

describe('SqliteBarStore', () => {
  it('keeps the bars after the store is closed and opened again', () => {
    const c = bars(range(0, 2 * CHUNK_BARS + 5));
    store.upsert(KEY, c, { source: 'test' });
    store.close();
    store = openBarStore(dir);
    expect(store.contentHash(KEY)).toBe(hashBars(c));
    expect(store.info(KEY)!.count).toBe(c.length);
  });

  it('stores gap-free chunks without their openTime column and gappy ones with it, reading both back exactly', () => {
    // Chunks cover epoch-aligned spans of CHUNK_BARS bars: start the bars on a chunk boundary.
    const span = CHUNK_BARS * M;
    const a = (Math.ceil(T0 / span) * span - T0) / M;
    const idx = [...range(a, a + CHUNK_BARS), ...range(a + CHUNK_BARS, a + 2 * CHUNK_BARS).filter((i) => i % 3 !== 0)];
    const c = bars(idx);
    store.upsert(KEY, c, { source: 'test' });
    const db = new Database(path.join(dir, 'market.db'), { readonly: true });
    const chunks = db.prepare('SELECT n, regular, length(data) AS bytes FROM bar_chunks ORDER BY chunk_start').all() as { n: number; regular: number; bytes: number }[];
    db.close();
    expect(chunks.map((r) => [r.regular, r.bytes / r.n])).toEqual([
      [1, 40],
      [0, 48],
    ]);
    expect(store.contentHash(KEY)).toBe(hashBars(c));
  });

  it('reads into shared memory on request, with the same bars', () => {
    const c = bars(range(0, CHUNK_BARS + 100).filter((i) => i % 7 !== 3));
    store.upsert(KEY, c, { source: 'test' });
    const from = T0 + 50 * M, to = T0 + (CHUNK_BARS + 20) * M;
    const plain = store.read(KEY, { from, to });
    const shared = store.read(KEY, { from, to }, { shared: true });
    expect(shared.close.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(plain.close.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(shared.length).toBe(plain.length);
    for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) expect([...shared[k]]).toEqual([...plain[k]]);
    expect(store.read({ ...KEY, instrument: 'x:NONE/USD' }, {}, { shared: true }).length).toBe(0);
  });

  it('writes off-grid bars as given (the store keeps what it is handed; import validates the grid)', () => {
    const c = bars([0, 1, 2]);
    c.openTime[1] = T0 + 90_000;
    store.upsert(KEY, c, { source: 'test' });
    expect(Array.from(store.read(KEY).openTime)).toEqual([T0, T0 + 90_000, T0 + 2 * M]);
  });

  it('rolls back every write of a transaction that throws', () => {
    store.upsert(KEY, bars(range(0, 100)), { source: 'a' });
    const before = store.info(KEY);
    expect(() =>
      store.transaction(() => {
        store.upsert(KEY, bars(range(50, 300)), { source: 'b' });
        store.delete(KEY, { from: T0, to: T0 + 10 * M });
        store.upsert({ instrument: 'binance:ETH/USDT', timeframe: '1m' }, bars(range(0, 10)), { source: 'b' });
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(store.info(KEY)).toEqual(before);
    expect(store.list().length).toBe(1);
  });

  it('records every writer of a series in its source, and the synthetic flag sticks', () => {
    store.upsert(KEY, bars(range(0, 10)), { source: 'csv:a.csv' });
    store.upsert(KEY, bars(range(10, 20)), { source: 'ccxt:binance' });
    store.upsert(KEY, bars(range(20, 30)), { source: 'ccxt:binance' });
    expect(store.info(KEY)!.source).toBe('csv:a.csv + ccxt:binance');
    store.upsert(KEY, bars(range(0, 10)), { source: 'csv:other.csv' });
    expect(store.info(KEY)!.source).toBe('csv:a.csv + ccxt:binance');
  });

  it('counts a bar whose value changed only in sign of zero as updated', () => {
    const c = bars([0]);
    c.volume[0] = 0;
    store.upsert(KEY, c, { source: 't' });
    c.volume[0] = -0;
    expect(store.upsert(KEY, c, { source: 't' })).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
  });

  it('counts gaps and missing bars between first and last', () => {
    store.upsert(KEY, bars([0, 1, 2, 5, 6, 10]), { source: 't' });
    expect(store.info(KEY)).toMatchObject({ count: 6, missing: 5, gaps: 2 });
  });

  it('deletes a range inside one chunk and across chunk boundaries', () => {
    store.upsert(KEY, bars(range(0, 3 * CHUNK_BARS)), { source: 't' });
    expect(store.delete(KEY, { from: T0 + 10 * M, to: T0 + 20 * M })).toBe(10);
    expect(store.delete(KEY, { from: T0 + (CHUNK_BARS - 5) * M, to: T0 + (2 * CHUNK_BARS + 5) * M })).toBe(CHUNK_BARS + 10);
    const t = Array.from(store.read(KEY).openTime, (x) => (x - T0) / M);
    expect(t).toEqual([...range(0, 10), ...range(20, CHUNK_BARS - 5), ...range(2 * CHUNK_BARS + 5, 3 * CHUNK_BARS)]);
    expect(store.info(KEY)!.count).toBe(t.length);
  });

  it('opens read-only for readers and says so when nothing is stored', () => {
    store.upsert(KEY, bars(range(0, 10)), { source: 't' });
    const ro = openBarStore(dir, { readonly: true });
    expect(ro.read(KEY).length).toBe(10);
    ro.close();
    const empty = tempDir('ck-store-empty-');
    try {
      openBarStore(empty).close();
      const db = new Database(path.join(empty, 'market.db'));
      db.exec('DROP TABLE bar_chunks; DROP TABLE bar_series');
      db.close();
      expect(() => openBarStore(empty, { readonly: true })).toThrow(/no bars are stored in ".*market\.db" yet/);
    } finally {
      rm(empty);
    }
  });

  it('records its schema version', () => {
    const db = new Database(path.join(dir, 'market.db'), { readonly: true });
    expect(db.prepare("SELECT version FROM schema_versions WHERE component = 'bars' ORDER BY version").all()).toEqual([{ version: 1 }, { version: 2 }]);
    db.close();
  });

  it("records an instrument's market rules, replaces them on a new read, and refuses nonsense", () => {
    expect(store.marketRules('binance:ETH/USDT')).toBeUndefined();
    store.putMarketRules('binance:ETH/USDT', { amountStep: 0.0001, priceStep: 0.01, minAmount: 0.0001, minNotional: 5 }, { source: 'ccxt:binance', at: 1000 });
    store.putMarketRules('binance:ETH/USDT', { amountStep: 0.001, priceStep: 0.01, minAmount: 0.001, minNotional: 10 }, { source: 'ccxt:binance', at: 2000 });
    expect(store.marketRules('binance:ETH/USDT')).toEqual({ amountStep: 0.001, priceStep: 0.01, minAmount: 0.001, minNotional: 10, source: 'ccxt:binance', updatedAt: 2000 });
    expect(() => store.putMarketRules('binance:ETH/USDT', { amountStep: -1, priceStep: 0, minAmount: 0, minNotional: 0 }, { source: 'x', at: 1 })).toThrow(
      'market rules of binance:ETH/USDT: amountStep must be a finite number ≥ 0, got -1',
    );
  });

  it('creates a new market database with 64 KiB pages', () => {
    expect(store.sizeOnDisk().pageSize).toBe(65536);
    expect(fs.existsSync(path.join(dir, 'market.db'))).toBe(true);
  });
});

describe('columnar read cache (bar-snapshot.ts)', () => {
  const N = SNAPSHOT_MIN_BARS + 2_345;
  const cacheDir = () => path.join(dir, 'cache', 'bars');
  const same = (a: BarColumns, b: BarColumns) => {
    expect(a.length).toBe(b.length);
    for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength).equals(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)), k).toBe(true);
  };
  const fromDb = (range = {}) => {
    const plain = openBarStore(dir, { snapshots: false });
    try {
      return plain.read(KEY, range);
    } finally {
      plain.close();
    }
  };

  it('keeps a whole read of a large series as one file and serves later reads from it, equal to the database', () => {
    store.upsert(KEY, bars(range(0, N)), { source: 'test' });
    store.info(KEY); // the content hash names the file
    const first = store.read(KEY);
    expect(fs.readdirSync(cacheDir())).toHaveLength(1);
    const cached = store.read(KEY);
    expect(cached.close.buffer.byteLength).toBe(16 + N * 48); // one file's bytes, six views
    same(cached, first);
    same(cached, fromDb());
    const r = { from: T0 + 1000 * M, to: T0 + (N - 7) * M };
    same(store.read(KEY, r), fromDb(r));
    const shared = store.read(KEY, {}, { shared: true });
    expect(shared.close.buffer).toBeInstanceOf(SharedArrayBuffer);
    same(shared, first);
  });

  it('never serves an older version: a changed bar gives a new file and the new value', () => {
    store.upsert(KEY, bars(range(0, N)), { source: 'test' });
    store.info(KEY);
    store.read(KEY);
    const changed = bars([500]);
    changed.close[0] = 12_345.5;
    store.upsert(KEY, changed, { source: 'test' });
    expect(fs.readdirSync(cacheDir())).toHaveLength(0); // the stale version is gone at once
    store.info(KEY);
    expect(store.read(KEY).close[500]).toBe(12_345.5);
    expect(store.read(KEY).close[500]).toBe(12_345.5); // now from the new file
    expect(fs.readdirSync(cacheDir())).toHaveLength(1);
    same(store.read(KEY), fromDb());
    store.delete(KEY, { from: T0 + 10 * M, to: T0 + 20 * M });
    expect(fs.readdirSync(cacheDir())).toHaveLength(0);
  });

  it('ignores a damaged file and reads the database instead', () => {
    store.upsert(KEY, bars(range(0, N)), { source: 'test' });
    store.info(KEY);
    store.read(KEY);
    const file = path.join(cacheDir(), fs.readdirSync(cacheDir())[0]!);
    fs.truncateSync(file, 1000);
    same(store.read(KEY), fromDb());
    fs.writeFileSync(file, Buffer.alloc(16 + N * 48)); // right size, wrong magic
    same(store.read(KEY), fromDb());
  });

  it('does not cache small series, slivers of large ones, or without a known content hash', () => {
    store.upsert(KEY, bars(range(0, 5000)), { source: 'test' });
    store.info(KEY);
    store.read(KEY);
    expect(fs.existsSync(cacheDir())).toBe(false);
    const big: SeriesKey = { instrument: 'binance:ETH/USDT', timeframe: '1m' };
    store.upsert(big, bars(range(0, N)), { source: 'test' });
    store.read(big); // no info() yet: no hash, no file
    expect(fs.existsSync(cacheDir())).toBe(false);
    store.info(big);
    store.read(big, { from: T0, to: T0 + 1000 * M }); // a sliver: read from the database
    expect(fs.existsSync(cacheDir())).toBe(false);
  });
});
