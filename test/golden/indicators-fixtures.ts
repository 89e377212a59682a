import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import { SHARED } from '../helpers/cli.js';

/** The two real series with TA-Lib reference outputs (../shared/golden/README.md). */
export const GOLDEN_FILES = [
  { label: 'binance 1m', data: 'binance_btc-usdt_1m_2021-02-19_2021-02-25.csv', golden: 'talib_binance_btc-usdt_1m.csv' },
  { label: 'coinbase 1h', data: 'coinbase_btc-usd_1h_2017-07-01_2019-10-17.csv', golden: 'talib_coinbase_btc-usd_1h.csv' },
] as const;

export function loadBars(file: string): BarColumns {
  const lines = fs.readFileSync(path.join(SHARED, 'data', file), 'utf8').trim().split('\n');
  const cols = allocBarColumns(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.split(',');
    cols.openTime[i - 1] = Number(f[0]);
    cols.open[i - 1] = Number(f[1]);
    cols.high[i - 1] = Number(f[2]);
    cols.low[i - 1] = Number(f[3]);
    cols.close[i - 1] = Number(f[4]);
    cols.volume[i - 1] = Number(f[5]);
  }
  return cols;
}

/** TA-Lib columns by name; an empty cell (no TA-Lib value) is NaN. */
export function loadGolden(file: string): { timestamps: Float64Array; columns: Map<string, Float64Array> } {
  const lines = fs.readFileSync(path.join(SHARED, 'golden', file), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const n = lines.length - 1;
  const arrays = header.map(() => new Float64Array(n));
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.split(',');
    for (let j = 0; j < header.length; j++) arrays[j]![i - 1] = f[j] === '' || f[j] === undefined ? NaN : Number(f[j]);
  }
  const columns = new Map<string, Float64Array>();
  header.forEach((h, j) => columns.set(h, arrays[j]!));
  return { timestamps: arrays[0]!, columns };
}
