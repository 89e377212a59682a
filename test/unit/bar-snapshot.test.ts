import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import { dropPrefetches, prefetchSnapshot, prefetchesSettled, readSnapshot, snapshotFile, writeSnapshot, type SnapshotKey } from '../../data/store/bar-snapshot.js';
import { rm, tempDir } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = path.join(tempDir('ck-snap-'), 'cache', 'bars');
});
afterEach(() => {
  dropPrefetches();
  rm(path.dirname(path.dirname(dir)));
});

function cols(n: number, base: number): BarColumns {
  const c = allocBarColumns(n);
  for (let i = 0; i < n; i++) {
    c.openTime[i] = i * 60_000; c.open[i] = base + i; c.high[i] = base + i + 1; c.low[i] = base + i - 1; c.close[i] = base + i + 0.5; c.volume[i] = i;
  }
  return c;
}
const key = (instrument: string, hash: string): SnapshotKey => ({ instrument, timeframe: '1m', hash });
const bytes = (n: number) => 16 + n * 48;

describe('bar snapshot files', () => {
  it('round-trip exactly and refuse a count they were not written for', () => {
    const c = cols(1000, 100);
    writeSnapshot(dir, key('x:A/B', 'aa11'), c);
    const r = readSnapshot(dir, key('x:A/B', 'aa11'), 1000)!;
    for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) expect([...r[k]]).toEqual([...c[k]]);
    expect(readSnapshot(dir, key('x:A/B', 'aa11'), 999)).toBeUndefined();
    expect(readSnapshot(dir, key('x:A/B', 'bb22'), 1000)).toBeUndefined();
  });

  it('keep the folder within its size bound by removing the least recently used files', () => {
    const n = 1000;
    const bound = bytes(n) * 2; // room for two
    writeSnapshot(dir, key('x:A/B', 'a1'), cols(n, 1), bound);
    writeSnapshot(dir, key('x:C/D', 'c1'), cols(n, 2), bound);
    // A/B used more recently than C/D:
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(snapshotFile(dir, key('x:C/D', 'c1')), past, past);
    expect(readSnapshot(dir, key('x:A/B', 'a1'), n)).toBeDefined();
    writeSnapshot(dir, key('x:E/F', 'e1'), cols(n, 3), bound);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(snapshotFile(dir, key('x:A/B', 'a1'))), path.basename(snapshotFile(dir, key('x:E/F', 'e1')))].sort());
    // A file bigger than the bound alone is still written (and is then the only one).
    writeSnapshot(dir, key('x:G/H', 'g1'), cols(3 * n, 4), bound);
    expect(fs.readdirSync(dir)).toEqual([path.basename(snapshotFile(dir, key('x:G/H', 'g1')))]);
  });

  describe('read ahead (prefetchSnapshot)', () => {
    const series = { instrument: 'x:A/B', timeframe: '1m' };
    // The market database whose read cache `dir` is (<home>/market.db beside <home>/cache/bars).
    const marketDb = () => path.join(path.dirname(path.dirname(dir)), 'market.db');

    it('serves the bytes read ahead, once: the same columns as reading the file', async () => {
      const c = cols(1000, 100);
      writeSnapshot(dir, key('x:A/B', 'aa11'), c);
      const direct = readSnapshot(dir, key('x:A/B', 'aa11'), 1000)!;
      prefetchSnapshot(marketDb(), series);
      await prefetchesSettled();
      // Gone from disk: only the bytes read ahead can answer now.
      fs.rmSync(snapshotFile(dir, key('x:A/B', 'aa11')));
      const r = readSnapshot(dir, key('x:A/B', 'aa11'), 1000)!;
      for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) expect([...r[k]]).toEqual([...direct[k]]);
      expect(readSnapshot(dir, key('x:A/B', 'aa11'), 1000)).toBeUndefined(); // taken: not served twice
    });

    it('checks bytes read ahead like a file: a damaged file is refused, and another version is not served', async () => {
      writeSnapshot(dir, key('x:A/B', 'aa11'), cols(1000, 100));
      const file = snapshotFile(dir, key('x:A/B', 'aa11'));
      fs.truncateSync(file, 1000);
      prefetchSnapshot(marketDb(), series);
      await prefetchesSettled();
      expect(readSnapshot(dir, key('x:A/B', 'aa11'), 1000)).toBeUndefined();

      writeSnapshot(dir, key('x:A/B', 'aa11'), cols(1000, 100));
      prefetchSnapshot(marketDb(), series);
      await prefetchesSettled();
      fs.rmSync(file);
      // The store asks for another version (its bars changed since): the bytes read ahead are not it.
      expect(readSnapshot(dir, key('x:A/B', 'bb22'), 1000)).toBeUndefined();
      dropPrefetches();
      expect(readSnapshot(dir, key('x:A/B', 'aa11'), 1000)).toBeUndefined(); // dropped, and the file is gone
    });

    it('does nothing without a cache folder or a file for the series, and reads only that series', async () => {
      prefetchSnapshot(path.join(dir, 'missing', 'market.db'), series);
      prefetchSnapshot(marketDb(), series);
      await prefetchesSettled();
      writeSnapshot(dir, key('x:C/D', 'cc33'), cols(1000, 7));
      prefetchSnapshot(marketDb(), series);
      await prefetchesSettled();
      fs.rmSync(snapshotFile(dir, key('x:C/D', 'cc33')));
      expect(readSnapshot(dir, key('x:C/D', 'cc33'), 1000)).toBeUndefined();
    });
  });
});
