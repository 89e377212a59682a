import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import type { BarStore, SeriesKey } from '../../engine/ports/index.js';
import { CHUNK_BARS, openBarStore } from '../../data/index.js';
import { rm, tempDir } from '../helpers/cli.js';

/**
 * The BarStore contract, as a suite any implementation can be run against:
 * `barStoreContract(name, open)` where `open()` gives a fresh, empty store and a cleanup function.
 */
export function barStoreContract(name: string, open: () => { store: BarStore; cleanup: () => void }): void {
  describe(`BarStore contract: ${name}`, () => {
    let store: BarStore;
    let cleanup: () => void;
    beforeEach(() => ({ store, cleanup } = open()));
    afterEach(() => {
      store.close();
      cleanup();
    });

    const H = 3_600_000;
    const T0 = Date.UTC(2024, 0, 1);
    const key: SeriesKey = { instrument: 'binance:BTC/USDT', timeframe: '1h' };
    const other: SeriesKey = { instrument: 'binance:ETH/USDT', timeframe: '1h' };

    /** n hourly bars from bar index `start`, values derived from the index (+ `bump` on close). */
    function bars(start: number, n: number, bump = 0): BarColumns {
      const c = allocBarColumns(n);
      for (let k = 0; k < n; k++) {
        const i = start + k;
        c.openTime[k] = T0 + i * H;
        c.open[k] = 100 + i * 0.25;
        c.high[k] = 101 + i * 0.25;
        c.low[k] = 99 + i * 0.25;
        c.close[k] = 100.5 + i * 0.25 + bump;
        c.volume[k] = 10 + (i % 13);
      }
      return c;
    }

    function times(c: BarColumns): number[] {
      return Array.from(c.openTime, (t) => (t - T0) / H);
    }

    /** The reference hash: sha256 over per-bar 6 little-endian float64 (openTime, o, h, l, c, v). */
    function referenceHash(c: BarColumns): string {
      const buf = Buffer.alloc(c.length * 48);
      for (let i = 0; i < c.length; i++) {
        const at = i * 48;
        buf.writeDoubleLE(c.openTime[i]!, at);
        buf.writeDoubleLE(c.open[i]!, at + 8);
        buf.writeDoubleLE(c.high[i]!, at + 16);
        buf.writeDoubleLE(c.low[i]!, at + 24);
        buf.writeDoubleLE(c.close[i]!, at + 32);
        buf.writeDoubleLE(c.volume[i]!, at + 40);
      }
      return crypto.createHash('sha256').update(buf).digest('hex');
    }

    it('reads back exactly the bars it stored, ascending', () => {
      const c = bars(0, 50);
      expect(store.upsert(key, c, { source: 'test' })).toEqual({ inserted: 50, updated: 0, unchanged: 0 });
      const r = store.read(key);
      expect(r.length).toBe(50);
      expect(Array.from(r.openTime)).toEqual(Array.from(c.openTime));
      expect(Array.from(r.open)).toEqual(Array.from(c.open));
      expect(Array.from(r.high)).toEqual(Array.from(c.high));
      expect(Array.from(r.low)).toEqual(Array.from(c.low));
      expect(Array.from(r.close)).toEqual(Array.from(c.close));
      expect(Array.from(r.volume)).toEqual(Array.from(c.volume));
    });

    it('changes nothing when the same bars are written again', () => {
      store.upsert(key, bars(0, 30), { source: 'test' });
      const hash = store.contentHash(key);
      expect(store.upsert(key, bars(0, 30), { source: 'test' })).toEqual({ inserted: 0, updated: 0, unchanged: 30 });
      expect(store.contentHash(key)).toBe(hash);
      expect(store.info(key)!.count).toBe(30);
    });

    it('never duplicates a bar when overlapping ranges are written', () => {
      store.upsert(key, bars(0, 20), { source: 'test' });
      expect(store.upsert(key, bars(10, 20), { source: 'test' })).toEqual({ inserted: 10, updated: 0, unchanged: 10 });
      const r = store.read(key);
      expect(times(r)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it('updates and counts a changed bar', () => {
      store.upsert(key, bars(0, 10), { source: 'test' });
      const changed = bars(3, 4, 0.5);
      expect(store.upsert(key, changed, { source: 'test' })).toEqual({ inserted: 0, updated: 4, unchanged: 0 });
      const r = store.read(key);
      expect(r.close[3]).toBe(100.5 + 3 * 0.25 + 0.5);
      expect(r.close[2]).toBe(100.5 + 2 * 0.25);
      expect(r.length).toBe(10);
    });

    it('merges bars written out of chronological batches into one ordered series', () => {
      store.upsert(key, bars(100, 10), { source: 'test' });
      store.upsert(key, bars(0, 10), { source: 'test' });
      store.upsert(key, bars(50, 10), { source: 'test' });
      expect(times(store.read(key))).toEqual([...range(0, 10), ...range(50, 60), ...range(100, 110)]);
    });

    it('reads a half-open range from <= openTime < to', () => {
      store.upsert(key, bars(0, 100), { source: 'test' });
      expect(times(store.read(key, { from: T0 + 10 * H, to: T0 + 20 * H }))).toEqual(range(10, 20));
      expect(times(store.read(key, { from: T0 + 95 * H }))).toEqual(range(95, 100));
      expect(times(store.read(key, { to: T0 + 3 * H }))).toEqual([0, 1, 2]);
      expect(store.read(key, { from: T0 + 10 * H, to: T0 + 10 * H }).length).toBe(0);
      expect(store.read(key, { from: T0 + 10.5 * H, to: T0 + 12 * H }).length).toBe(1);
    });

    it('reads ranges across many storage chunks', () => {
      const n = 3 * CHUNK_BARS + 17;
      store.upsert(key, bars(5, n), { source: 'test' });
      const r = store.read(key, { from: T0 + (CHUNK_BARS - 3) * H, to: T0 + (2 * CHUNK_BARS + 9) * H });
      expect(r.length).toBe(CHUNK_BARS + 12);
      expect(times(r)[0]).toBe(CHUNK_BARS - 3);
      expect(times(r).at(-1)).toBe(2 * CHUNK_BARS + 8);
      expect(store.read(key).length).toBe(n);
    });

    it('returns an empty result for an unknown series', () => {
      expect(store.read(other).length).toBe(0);
      expect(store.info(other)).toBeUndefined();
      expect(store.delete(other)).toBe(0);
    });

    it('keeps series apart by instrument and by timeframe', () => {
      store.upsert(key, bars(0, 5), { source: 'a' });
      store.upsert(other, bars(0, 7), { source: 'b' });
      store.upsert({ instrument: key.instrument, timeframe: '1d' }, allocDaily(3), { source: 'c' });
      expect(store.read(key).length).toBe(5);
      expect(store.read(other).length).toBe(7);
      expect(store.list().map((s) => `${s.instrument} ${s.timeframe} ${s.count}`)).toEqual([
        'binance:BTC/USDT 1d 3',
        'binance:BTC/USDT 1h 5',
        'binance:ETH/USDT 1h 7',
      ]);
    });

    it('reports first, last, count, source, synthetic flag and missing bars', () => {
      store.upsert(key, bars(0, 10), { source: 'csv:btc.csv' });
      store.upsert(key, bars(15, 5), { source: 'csv:btc.csv' });
      const i = store.info(key)!;
      expect(i).toMatchObject({ instrument: key.instrument, timeframe: '1h', count: 15, first: T0, last: T0 + 19 * H, source: 'csv:btc.csv', synthetic: false, missing: 5 });
      store.upsert(other, bars(0, 3), { source: 'synthetic:seed=7', synthetic: true });
      expect(store.info(other)!.synthetic).toBe(true);
    });

    it('hashes the canonical bytes: sha256 over per-bar little-endian float64 openTime, o, h, l, c, v', () => {
      const c = bars(0, 300);
      store.upsert(key, c, { source: 'test' });
      expect(store.contentHash(key)).toBe(referenceHash(c));
      expect(store.info(key)!.hash).toBe(referenceHash(c));
      const part = store.read(key, { from: T0 + 10 * H, to: T0 + 20 * H });
      expect(store.contentHash(key, { from: T0 + 10 * H, to: T0 + 20 * H })).toBe(referenceHash(part));
      expect(store.contentHash(other)).toBe(crypto.createHash('sha256').digest('hex'));
    });

    it('changes the hash when a bar changes and restores it when the bar is restored', () => {
      store.upsert(key, bars(0, 20), { source: 'test' });
      const h0 = store.info(key)!.hash;
      store.upsert(key, bars(5, 1, 1), { source: 'test' });
      expect(store.info(key)!.hash).not.toBe(h0);
      store.upsert(key, bars(5, 1), { source: 'test' });
      expect(store.info(key)!.hash).toBe(h0);
    });

    it('deletes a range and reports how many bars went', () => {
      store.upsert(key, bars(0, 50), { source: 'test' });
      expect(store.delete(key, { from: T0 + 10 * H, to: T0 + 20 * H })).toBe(10);
      expect(times(store.read(key))).toEqual([...range(0, 10), ...range(20, 50)]);
      expect(store.info(key)).toMatchObject({ count: 40, first: T0, last: T0 + 49 * H, missing: 10 });
      expect(store.delete(key, { to: T0 + 5 * H })).toBe(5);
      expect(store.info(key)!.first).toBe(T0 + 5 * H);
    });

    it('forgets the series when all its bars are deleted', () => {
      store.upsert(key, bars(0, 50), { source: 'test' });
      expect(store.delete(key)).toBe(50);
      expect(store.info(key)).toBeUndefined();
      expect(store.list()).toEqual([]);
    });

    it('refuses bars that are not ascending and leaves the store as it was', () => {
      store.upsert(key, bars(0, 10), { source: 'test' });
      const hash = store.contentHash(key);
      const bad = bars(20, 5);
      bad.openTime[3] = bad.openTime[1]!;
      expect(() => store.upsert(key, bad, { source: 'test' })).toThrow(/ascending/);
      const dup = bars(20, 5);
      dup.openTime[2] = dup.openTime[1]!;
      expect(() => store.upsert(key, dup, { source: 'test' })).toThrow(/ascending/);
      expect(store.contentHash(key)).toBe(hash);
      expect(store.info(key)!.count).toBe(10);
    });

    it('refuses non-finite values', () => {
      const bad = bars(0, 5);
      bad.high[2] = Number.NaN;
      expect(() => store.upsert(key, bad, { source: 'test' })).toThrow(/finite/);
      expect(store.info(key)).toBeUndefined();
    });

    it('treats an empty write as a no-op', () => {
      expect(store.upsert(key, allocBarColumns(0), { source: 'test' })).toEqual({ inserted: 0, updated: 0, unchanged: 0 });
      expect(store.list()).toEqual([]);
    });

    function allocDaily(n: number): BarColumns {
      const c = bars(0, n);
      for (let i = 0; i < n; i++) c.openTime[i] = T0 + i * 24 * H;
      return c;
    }
  });
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

barStoreContract('SqliteBarStore', () => {
  const dir = tempDir('ck-contract-');
  return { store: openBarStore(dir), cleanup: () => rm(dir) };
});
