import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import { SHARED } from './cli.js';

/** Reads a `timestamp,open,high,low,close,volume` CSV (the reference generator's output) into columns. */
export function readReferenceCsv(file: string): BarColumns {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const c = allocBarColumns(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const p = lines[i]!.split(',');
    c.openTime[i] = Number(p[0]);
    c.open[i] = Number(p[1]);
    c.high[i] = Number(p[2]);
    c.low[i] = Number(p[3]);
    c.close[i] = Number(p[4]);
    c.volume[i] = Number(p[5]);
  }
  return c;
}

/** The reference series of ../shared/reference (seeded GBM), generated once into `dir` (default: the OS temp folder). */
export function referenceCsv(n: number, opts: { seed?: number; dir?: string } = {}): string {
  const seed = opts.seed ?? 42;
  const file = path.join(opts.dir ?? os.tmpdir(), `candlekeep-gbm-${n}-seed${seed}.csv`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.tmp-${process.pid}`;
    execFileSync(process.execPath, [path.join(SHARED, 'reference/gen_ohlcv.mjs'), '--n', String(n), '--seed', String(seed), '--out', tmp]);
    fs.renameSync(tmp, file);
  }
  return file;
}
