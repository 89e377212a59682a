import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, rm, SHARED, spawnCli, tempDir } from '../helpers/cli.js';
import { startRedis } from '../helpers/redis.js';

// Needs Debian's redis-server (.ci/run installs it when it can); skipped cleanly where it cannot start.
const redis = await startRedis();
const INSTR = 'synth:GBM/USD';

describe.skipIf(!redis)('distributed optimisation through BullMQ on Redis', () => {
  let dir: string;
  let producerHome: string;
  let workerHome: string;
  beforeAll(() => {
    dir = tempDir('ck-queue-');
    producerHome = path.join(dir, 'producer');
    workerHome = path.join(dir, 'worker');
    const csv = path.join(dir, 'gbm.csv');
    execFileSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', '4000', '--seed', '5', '--out', csv]);
    // Two machines, each with its own store holding the same bars.
    for (const home of [producerHome, workerHome]) {
      const r = runCli(['data', 'import', csv, '--instrument', INSTR, '--timeframe', '1m'], { home });
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(() => {
    redis?.stop();
    rm(dir);
  });

  it('gives the same trials as a local sweep when two queue workers run them', async () => {
    const workers = [spawnCli(['worker', '--queue', redis!.url], { home: workerHome }), spawnCli(['worker', '--queue', redis!.url], { home: workerHome })];
    try {
      const args = ['optimize', '--strategy', 'sma-cross', '--instrument', INSTR, '--timeframe', '1m', '--grid', 'fast=3:9:2', '--grid', 'slow=20:40:10', '--no-html', '--json'];
      const queued = runCli([...args, '--queue', redis!.url], { home: producerHome, cwd: dir });
      expect(queued.code, queued.stderr).toBe(0);
      const local = runCli([...args, '--workers', '1', '--param', 'size=all-in'], { home: producerHome, cwd: dir });
      expect(local.code, local.stderr).toBe(0);
      type J = { completed: number; trials: { params: unknown; objective: number | null; metrics: unknown }[] };
      const q = JSON.parse(queued.stdout) as J, l = JSON.parse(local.stdout) as J;
      expect(q.completed).toBe(12);
      expect(q.trials.map((t) => [t.params, t.objective, t.metrics])).toEqual(l.trials.map((t) => [t.params, t.objective, t.metrics]));
    } finally {
      for (const w of workers) w.kill('SIGINT');
    }
  });

  it('refuses a job whose bars differ on the worker', async () => {
    const otherHome = path.join(dir, 'other');
    const csv = path.join(dir, 'other.csv');
    execFileSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', '4000', '--seed', '6', '--out', csv]);
    expect(runCli(['data', 'import', csv, '--instrument', INSTR, '--timeframe', '1m'], { home: otherHome }).code).toBe(0);
    const w = spawnCli(['worker', '--queue', redis!.url], { home: otherHome });
    try {
      const r = runCli(['optimize', '--strategy', 'sma-cross', '--instrument', INSTR, '--timeframe', '1m', '--grid', 'fast=4:5:1', '--grid', 'slow=25:25:1', '--queue', redis!.url, '--no-html'], { home: producerHome, cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('differ from the producer');
    } finally {
      w.kill('SIGINT');
    }
  });
});
