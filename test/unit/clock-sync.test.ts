import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { bestOffset } from '../../engine/brokers/ccxt/clock-sync.js';
import { openTradingDb } from '../../data/store/order-journal.js';
import { PersistedNonce } from '../../data/store/live-nonces.js';
import { rm, tempDir } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rm(d);
});

describe('clock sync offset (SIGNING.md A2)', () => {
  it('takes the sample with the smallest round trip and uses its midpoint', () => {
    const r = bestOffset([
      { serverTime: 10_500, t0: 7000, t1: 7100 },
      { serverTime: 10_520, t0: 7200, t1: 7210 },
      { serverTime: 10_900, t0: 7300, t1: 7340 },
    ]);
    expect(r).toEqual({ offsetMs: 10_520 - 7205, rttMs: 10 });
  });

  it('refuses to compute an offset from no samples', () => {
    expect(() => bestOffset([])).toThrow(/no samples/);
  });
});

describe('Kraken monotonic nonce persisted per key', () => {
  it('stays strictly increasing across a restart with the wall clock set back 10 s', () => {
    const dir = tempDir('ck-nonce-');
    dirs.push(dir);
    const file = path.join(dir, 'trading.db');
    let wall = 1_767_225_600_000;
    const db1 = openTradingDb(file);
    const g1 = new PersistedNonce(db1, 'kraken:main', () => wall);
    const seen = [g1.next(), g1.next(), g1.next()];
    wall += 5;
    seen.push(g1.next());
    db1.close();
    wall -= 10_000;
    const db2 = openTradingDb(file);
    const g2 = new PersistedNonce(db2, 'kraken:main', () => wall);
    seen.push(g2.next(), g2.next());
    db2.close();
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen).toEqual([1_767_225_600_000, 1_767_225_600_001, 1_767_225_600_002, 1_767_225_600_005, 1_767_225_600_006, 1_767_225_600_007]);
  });

  it('keeps separate sequences per key', () => {
    const dir = tempDir('ck-nonce-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    const a = new PersistedNonce(db, 'a', () => 100);
    const b = new PersistedNonce(db, 'b', () => 50);
    expect([a.next(), b.next(), a.next(), b.next()]).toEqual([100, 50, 101, 51]);
    db.close();
  });
});
