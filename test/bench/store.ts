/**
 * Bar store benchmark: CSV import of the 1M-row reference file (through the real importCsv, and through the
 * real CLI as a whole process), range reads of 1M bars into typed arrays, and bytes on disk per bar.
 * Each figure is the best of several runs (the machine is shared), with CPU time alongside wall time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BYTES_PER_BAR, importCsv, openBarStore } from '../../data/index.js';

export const name = 'store';

const ROWS = 1_000_000;

function repoRoot(): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(d, 'package.json')) || path.basename(d) === 'dist') d = path.dirname(d);
  return d;
}

function referenceCsv(root: string): string {
  const file = path.join(os.tmpdir(), 'gbm_1m.csv');
  if (!fs.existsSync(file)) {
    const gen = path.resolve(root, '../shared/reference/gen_ohlcv.mjs');
    console.log(`  generating ${file} with ${gen} …`);
    const r = spawnSync(process.execPath, [gen, '--n', String(ROWS), '--seed', '42', '--out', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`gen_ohlcv failed: ${r.stderr}`);
  }
  return file;
}

function measure<T>(fn: () => T): { wallMs: number; cpuMs: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, value };
}

const fmt = (perSec: number) => `${(perSec / 1e6).toFixed(2)}M`;

export async function run(): Promise<void> {
  const root = repoRoot();
  const csv = referenceCsv(root);
  const key = { instrument: 'bench:GBM/USD', timeframe: '1m' as const };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ck-bench-store-'));
  try {
    // 1. importCsv end to end (open store, stream-parse, validate, upsert, commit), fresh home each run.
    let bestImport = Infinity, bestImportCpu = Infinity;
    let split = '';
    let home = '';
    for (let i = 0; i < 3; i++) {
      home = path.join(tmp, `home-${i}`);
      let commitMs = 0, closeMs = 0;
      const m = measure(() => {
        const store = openBarStore(home);
        try {
          const t0 = performance.now();
          const r = importCsv(store, csv, key);
          commitMs = performance.now() - t0;
          return r;
        } finally {
          const t1 = performance.now();
          store.close();
          closeMs = performance.now() - t1;
        }
      });
      if (m.value.inserted !== ROWS) throw new Error(`imported ${m.value.inserted} rows, expected ${ROWS}`);
      if (m.wallMs < bestImport) split = `parse+write+commit ${commitMs.toFixed(0)} ms, close/checkpoint ${closeMs.toFixed(0)} ms`;
      bestImport = Math.min(bestImport, m.wallMs);
      bestImportCpu = Math.min(bestImportCpu, m.cpuMs);
    }
    console.log(`  data import (importCsv, 1M-row gen_ohlcv CSV, open to close): ${fmt(ROWS / (bestImport / 1000))} rows/s wall (${bestImport.toFixed(0)} ms: ${split}; ${fmt(ROWS / (bestImportCpu / 1000))} rows/s by CPU time)  (target ≥ 1M rows/s)`);

    // 2. The same through the real CLI as a separate process (node start-up included).
    const cliHome = path.join(tmp, 'home-cli');
    const bin = path.join(root, 'bin/candlekeep.js');
    let bestCli = Infinity;
    for (let i = 0; i < 2; i++) {
      fs.rmSync(cliHome, { recursive: true, force: true });
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [bin, '--home', cliHome, 'data', 'import', csv, '--instrument', key.instrument, '--timeframe', '1m', '--json'], { encoding: 'utf8' });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`CLI import failed: ${r.stderr}`);
      bestCli = Math.min(bestCli, ms);
    }
    console.log(`  data import (CLI process incl. node start-up): ${fmt(ROWS / (bestCli / 1000))} rows/s (${bestCli.toFixed(0)} ms)`);

    // 3. Re-import of the same file: every bar compared, nothing written.
    {
      const store = openBarStore(home);
      const m = measure(() => importCsv(store, csv, key));
      store.close();
      if (m.value.unchanged !== ROWS) throw new Error('re-import changed bars');
      console.log(`  re-import, all unchanged: ${fmt(ROWS / (m.wallMs / 1000))} rows/s (${m.wallMs.toFixed(0)} ms)`);
    }

    // 4. Range read of 1M bars into BarColumns.
    const store = openBarStore(home);
    try {
      let best = Infinity, bestCpu = Infinity;
      const times: number[] = [];
      for (let i = 0; i < 9; i++) {
        const m = measure(() => store.read(key));
        if (m.value.length !== ROWS) throw new Error(`read ${m.value.length} bars`);
        times.push(m.wallMs);
        best = Math.min(best, m.wallMs);
        bestCpu = Math.min(bestCpu, m.cpuMs);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(`  read 1M bars into typed arrays: ${fmt(ROWS / (best / 1000))} bars/s best, ${fmt(ROWS / (median / 1000))} median (${best.toFixed(1)} ms best; ${fmt(ROWS / (bestCpu / 1000))} by CPU time)  (target ≥ 10M bars/s)`);
      const part = measure(() => store.read(key, { from: 1577836800000 + 250_000 * 60_000, to: 1577836800000 + 350_000 * 60_000 }));
      console.log(`  read a 100k-bar range from the middle: ${fmt(100_000 / (part.wallMs / 1000))} bars/s (${part.wallMs.toFixed(2)} ms)`);
      const h = measure(() => store.contentHash(key));
      console.log(`  content hash of 1M bars: ${h.wallMs.toFixed(0)} ms`);
    } finally {
      store.close();
    }

    // 5. Bytes on disk per bar (closed, so the WAL is checkpointed into the file).
    let bytes = 0;
    for (const f of fs.readdirSync(home)) bytes += fs.statSync(path.join(home, f)).size;
    console.log(`  store size: ${(bytes / ROWS).toFixed(1)} bytes/bar on disk (${(bytes / 2 ** 20).toFixed(1)} MiB for 1M bars; payload ${BYTES_PER_BAR} bytes/bar, 40 when the openTime column is implied by a gap-free chunk)`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
