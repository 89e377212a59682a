import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { crossedAbove, crossedBelow, sma } from '../../engine/api/indicators/index.js';
import { SHARED, rm, tempDir } from '../helpers/cli.js';

/**
 * The reference workload (../shared/reference) decides on SMA(10)/SMA(30) crossings. Its generator
 * counts them in exact integer arithmetic (--check); our float kernels and crossedAbove/crossedBelow
 * must find exactly the same crossings, bar for bar, so the engine can reproduce its trades.
 */
let dir: string;
let check: { n: number; exactTies: number; crossUp: number; crossDown: number };
let closes: Float64Array;

beforeAll(() => {
  dir = tempDir('ck-ind-');
  const out = path.join(dir, 'gbm_100k.csv');
  const r = spawnSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', '100000', '--seed', '42', '--out', out, '--check'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  check = JSON.parse(r.stdout.trim());
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  closes = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) closes[i - 1] = Number(lines[i]!.split(',')[4]);
});
afterAll(() => rm(dir));

it('finds exactly the reference crossings of SMA(10) and SMA(30) on gbm_100k', async () => {
  const { runReference } = (await import(path.join(SHARED, 'reference/ref_strategy.mjs'))) as {
    runReference: (open: Float64Array, close: Float64Array, n: number) => { signalsUp: number; signalsDown: number };
  };
  const fast = sma(10);
  const slow = sma(30);
  let up = 0;
  let down = 0;
  for (let i = 0; i < closes.length; i++) {
    const c = closes[i]!;
    fast.next(c, c, c, c, 0);
    slow.next(c, c, c, c, 0);
    if (crossedAbove(fast, slow)) up++;
    if (crossedBelow(fast, slow)) down++;
  }
  expect(check.exactTies).toBe(0);
  expect({ up, down }).toEqual({ up: check.crossUp, down: check.crossDown });
  const ref = runReference(closes, closes, closes.length);
  expect({ up, down }).toEqual({ up: ref.signalsUp, down: ref.signalsDown });
});
