import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runBacktest } from '../../engine/app/index.js';
import smaCross from '../../strategies/sma-cross.js';
import { BIN, ROOT, SHARED, rm, tempDir } from '../helpers/cli.js';
import { readReferenceCsv } from '../helpers/reference-data.js';
import { spinMs, spinRange } from '../helpers/machine-speed.js';


export const name = 'engine';


const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${(x / 1e3).toFixed(0)}k`);

/** The 10M-bar memory run, in a child process so its peak RSS is its own. */
const MEMORY_CHILD = `
const { runBacktest } = await import(process.argv[1]);
const strategy = (await import(process.argv[2])).default;
const { allocBarColumns } = await import(process.argv[3]);
const n = 10_000_000;
const c = allocBarColumns(n);
let p = 100, s = 42;
for (let i = 0; i < n; i++) {
  s = (s * 16807) % 2147483647;
  const r = (s / 2147483647 - 0.5) * 0.002;
  c.openTime[i] = 1577836800000 + i * 60000; c.open[i] = p; p = p * (1 + r); c.close[i] = p;
  c.high[i] = Math.max(c.open[i], p) * 1.0005; c.low[i] = Math.min(c.open[i], p) * 0.9995; c.volume[i] = 1000;
}
const t0 = performance.now();
const o = runBacktest({ strategy, params: { size: '1' }, data: [{ key: { instrument: 'synth:GBM/USD', timeframe: '1m' }, bars: c, hash: 'mem' }] });
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, trades: o.trades.length, rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 }));
`;

export async function run(): Promise<void> {
  const dir = tempDir('ck-bench-engine-');
  try {
    const csv = path.join(dir, 'gbm_1m.csv');
    const g = spawnSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', '1000000', '--seed', '42', '--out', csv], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`gen_ohlcv failed: ${g.stderr}`);
    const bars = readReferenceCsv(csv);

    // 1. Engine loop: the reference strategy through the public API, bars in memory. This VM's CPU speed changes
    // in streaks of a second or two (a plain spin loop, timed between rounds, slows down together with both
    // variants), so the two variants take turns, round by round, and each round also times that spin loop:
    // its spread shows how much the machine moved during the measurement.
    const sizes = ['1', 'all-in'] as const;
    const wall = new Map<string, number[]>(sizes.map((v) => [v, []]));
    const cpu = new Map<string, number[]>(sizes.map((v) => [v, []]));
    const trades = new Map<string, number>();
    const spins: number[] = [];
    for (let k = 0; k < 12; k++) {
      for (const size of sizes) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const o = runBacktest({ strategy: smaCross, params: { size }, data: [{ key: { instrument: 'csv:GBM/USD', timeframe: '1m' }, bars, hash: 'bench' }], cash: 10_000, feeRate: 0.001 });
        wall.get(size)!.push(performance.now() - t0);
        const c1 = process.cpuUsage(c0);
        cpu.get(size)!.push((c1.user + c1.system) / 1000);
        trades.set(size, o.trades.length);
      }
      spins.push(spinMs());
    }
    for (const size of sizes) {
      const w = wall.get(size)!;
      const best = Math.min(...w);
      const median = [...w].sort((a, b) => a - b)[w.length >> 1]!;
      const bestCpu = Math.min(...cpu.get(size)!);
      console.log(
        `  engine loop, sma-cross size=${size}, 1M bars (${trades.get(size)} trades): ${fmt(1e6 / (best / 1000))} bars/s wall best (${best.toFixed(0)} ms; median ${median.toFixed(0)} ms), ` +
          `${fmt(1e6 / (bestCpu / 1000))} bars/s cpu best  (target ≥ 10M bars/s)`,
      );
    }
    console.log(`    machine speed during those rounds: a fixed spin loop took ${spinRange(spins)} (the same work each round)`);

    // 2. Whole process: node bin/candlekeep.js backtest over 1M stored bars to report.json.
    const home = path.join(dir, 'home');
    const imp = spawnSync(process.execPath, [BIN, '--home', home, 'data', 'import', csv, '--instrument', 'csv:GBM/USD', '--timeframe', '1m'], { cwd: dir, encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`data import failed: ${imp.stderr}`);
    const base = [BIN, '--home', home, 'backtest', '--strategy', 'sma-cross', '--instrument', 'csv:GBM/USD', '--timeframe', '1m', '--cash', '10000', '--fee', '0.001', '--param', 'fast=10', '--param', 'slow=30'];
    // The first run after an import computes the series' content hash (cached in the store) and keeps the columnar
    // read cache (<home>/cache/bars); timed once here, the runs below read with both in place.
    const first0 = performance.now();
    const first = spawnSync(process.execPath, [...base, '--param', 'size=all-in', '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (first.status !== 0) throw new Error(`backtest failed: ${first.stderr}`);
    console.log(`  whole process, first run after the import (hashes the series, writes the read cache): ${((performance.now() - first0) / 1000).toFixed(2)} s`);
    // The child's own CPU time too: on a shared machine wall time mostly measures the neighbours.
    const cpuHook = path.join(dir, 'cpu-at-exit.cjs');
    fs.writeFileSync(cpuHook, "process.on('exit', () => { const c = process.cpuUsage(); process.stderr.write('CPU_MS ' + (c.user + c.system) / 1000 + '\\n'); });\n");
    const variants: { label: string; args: string[] }[] = [
      // The command: the reference workload (all-in), report.json printed with --json (report.json, trades.csv and report.html written too).
      { label: 'reference command (size=all-in --json; writes report.json, trades.csv, report.html)', args: [...base, '--param', 'size=all-in', '--json'] },
      { label: 'size=all-in --json --no-html', args: [...base, '--param', 'size=all-in', '--json', '--no-html'] },
      // Six times the trades (19,466): the report and trades.csv dominate more.
      { label: 'size=1 (19,466 trades), summary table, + report.html', args: [...base, '--param', 'size=1'] },
      { label: 'size=1 --no-html', args: [...base, '--param', 'size=1', '--no-html'] },
    ];
    for (const v of variants) {
      const times: number[] = [];
      const cpus: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        const r = spawnSync(process.execPath, ['-r', cpuHook, ...v.args], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
        times.push(performance.now() - t0);
        if (r.status !== 0) throw new Error(`backtest failed: ${r.stderr}`);
        cpus.push(Number(/CPU_MS ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN));
      }
      times.sort((a, b) => a - b);
      cpus.sort((a, b) => a - b);
      console.log(
        `  whole process \`candlekeep backtest\` 1M stored bars, ${v.label}: ` +
          `wall best ${(times[0]! / 1000).toFixed(2)} s, median ${(times[2]! / 1000).toFixed(2)} s; process cpu best ${(cpus[0]! / 1000).toFixed(2)} s  (target ≤ 0.5 s)`,
      );
    }

    // 3. Peak memory of a 10M-bar backtest.
    const dist = path.join(ROOT, 'dist');
    const m = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', MEMORY_CHILD, path.join(dist, 'engine/app/run-backtest.js'), path.join(dist, 'strategies/sma-cross.js'), path.join(dist, 'engine/domain/index.js')],
      { encoding: 'utf8' },
    );
    if (m.status !== 0) throw new Error(`memory run failed: ${m.stderr}`);
    const mem = JSON.parse(m.stdout) as { ms: number; trades: number; rss: number; maxRss: number };
    console.log(`  10M-bar backtest (${mem.trades} trades, ${(mem.ms / 1000).toFixed(2)} s, ${fmt(1e7 / (mem.ms / 1000))} bars/s): peak RSS ${(mem.maxRss / 2 ** 20).toFixed(0)} MB  (target ≤ 1024 MB)`);
  } finally {
    rm(dir);
  }
}
