import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { RunIndex, type RunRecord } from '../../data/store/run-index.js';
import { UserError } from '../../engine/domain/index.js';
import { rm, tempDir } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rm));
function fresh(): RunIndex {
  const d = tempDir('ck-runidx-');
  dirs.push(d);
  return RunIndex.open(path.join(d, 'market.db'));
}

const rec = (runId: string, createdAt: number, over: Partial<RunRecord> = {}): RunRecord => ({
  runId, kind: 'backtest', strategyId: runId.slice(0, runId.lastIndexOf('-')), strategyVersion: 1, params: { fast: 10 },
  instruments: ['binance:BTC/USDT'], timeframes: ['1h'], dataFrom: 0, dataTo: 1, dataHash: 'h', synthetic: false,
  metrics: { returnFrac: 0.1, sharpe: null }, path: `/r/${runId}`, parentRunId: null, createdAt, ...over,
});

describe('RunIndex', () => {
  it('stores and returns a run record unchanged', () => {
    const idx = fresh();
    const r = rec('sma-cross-0123456789ab', 5, { synthetic: true, params: { fast: 10, size: 'all-in', on: true } });
    idx.put(r);
    expect(idx.get(r.runId)).toEqual(r);
    idx.close();
  });

  it('lists top-level runs newest first, filtered by kind and strategy', () => {
    const idx = fresh();
    idx.put(rec('a-000000000001', 1));
    idx.put(rec('b-000000000002', 3));
    idx.put(rec('a-000000000003', 2, { kind: 'optimisation' }));
    idx.put(rec('a-000000000004', 4, { parentRunId: 'a-000000000003' }));
    expect(idx.list().map((r) => r.runId)).toEqual(['b-000000000002', 'a-000000000003', 'a-000000000001']);
    expect(idx.list({ kind: 'backtest' }).map((r) => r.runId)).toEqual(['b-000000000002', 'a-000000000001']);
    expect(idx.list({ strategyId: 'a' }).map((r) => r.runId)).toEqual(['a-000000000003', 'a-000000000001']);
    expect(idx.list({ parentRunId: 'a-000000000003' }).map((r) => r.runId)).toEqual(['a-000000000004']);
    expect(idx.list({ limit: 1 }).map((r) => r.runId)).toEqual(['b-000000000002']);
    idx.close();
  });

  it('resolves a run by id, unique id prefix, unique hash prefix or "latest"', () => {
    const idx = fresh();
    idx.put(rec('sma-cross-aaaa11112222', 1));
    idx.put(rec('sma-cross-bbbb33334444', 2));
    idx.put(rec('rsi-cccc55556666', 3));
    expect(idx.resolve('sma-cross-aaaa11112222').runId).toBe('sma-cross-aaaa11112222');
    expect(idx.resolve('sma-cross-b').runId).toBe('sma-cross-bbbb33334444');
    expect(idx.resolve('aaaa').runId).toBe('sma-cross-aaaa11112222');
    expect(idx.resolve('rsi').runId).toBe('rsi-cccc55556666');
    expect(idx.resolve('latest').runId).toBe('rsi-cccc55556666');
    idx.close();
  });

  it('refuses an ambiguous prefix, listing the matches', () => {
    const idx = fresh();
    idx.put(rec('sma-cross-aaaa11112222', 1));
    idx.put(rec('sma-cross-bbbb33334444', 2));
    expect(() => idx.resolve('sma-cross')).toThrow(UserError);
    expect(() => idx.resolve('sma-cross')).toThrow('run "sma-cross" is ambiguous: 2 runs match (sma-cross-aaaa11112222, sma-cross-bbbb33334444)');
    idx.close();
  });

  it('suggests the closest run for an unknown reference', () => {
    const idx = fresh();
    idx.put(rec('sma-cross-aaaa11112222', 1));
    expect(() => idx.resolve('sma-cross-aaaa11112223')).toThrow('unknown run "sma-cross-aaaa11112223" — did you mean "sma-cross-aaaa11112222"?');
    idx.close();
  });

  it('points to report list when no run is close', () => {
    const idx = fresh();
    idx.put(rec('sma-cross-aaaa11112222', 1));
    expect(() => idx.resolve('zzzzzzzz')).toThrow('unknown run "zzzzzzzz" (see `candlekeep report list`)');
    idx.close();
  });

  it('says there are no runs yet when the index is empty', () => {
    const idx = fresh();
    expect(() => idx.resolve('latest')).toThrow(/no runs yet/);
    expect(() => idx.resolve('abc')).toThrow(/there are no runs yet/);
    idx.close();
  });

  it('replaces a run written twice and deletes runs', () => {
    const idx = fresh();
    idx.put(rec('x-1', 1));
    idx.put(rec('x-1', 2));
    expect(idx.list()).toHaveLength(1);
    expect(idx.delete('x-1')).toBe(true);
    expect(idx.get('x-1')).toBeUndefined();
    idx.close();
  });
});
