import fs from 'node:fs';
import { resolveHome } from '../../../../config/index.js';
import { isoUtc } from '../../../domain/index.js';
import type { ImportReport } from '../../../../data/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderKeyValue, warn } from '../../output.js';

type ImportArgs = { file: string; instrument: string; timeframe: string; 'skip-invalid': boolean };

/** Files above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 16 << 20;

export default defineCommand<ImportArgs>({
  command: 'import <file>',
  describe: 'import bars from a CSV file (header or Binance kline dump; , ; tab or | separated) into one series',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'CSV file: a header naming timestamp/time/date/open_time, open, high, low, close, volume; or no header with 6 columns, or a 12-column Binance kline dump. Timestamps in s, ms, µs or ISO-8601 (UTC when no zone)' })
      .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id: <ccxt exchange id>:<ccxt symbol>, e.g. binance:BTC/USDT' })
      .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe as a ccxt string (1m 5m 15m 1h 4h 1d …); every timestamp must be on its UTC grid' })
      .option('skip-invalid', { type: 'boolean', default: false, describe: 'import the good rows and report the bad ones (default: any bad row refuses the whole file and the store is unchanged)' }),
  handler: async (args) => {
    // Loaded on use: the CLI starts without opening SQLite.
    const { importCsv, openBarStore, parseSeriesKey } = await import('../../../../data/index.js');
    const key = parseSeriesKey(args.instrument, args.timeframe);
    const store = openBarStore(resolveHome(args.home));
    let stopProgress = () => {};
    try {
      let onProgress: ((done: number, total: number) => void) | undefined;
      const size = safeSize(args.file);
      if (process.stderr.isTTY && size >= PROGRESS_MIN_BYTES) {
        const { default: progress } = await import('cli-progress');
        const bar = new progress.SingleBar(
          { stream: process.stderr, format: 'importing [{bar}] {percentage}% | ETA {eta}s | {value}/{total} MB', hideCursor: true },
          progress.Presets.shades_classic,
        );
        bar.start(Math.ceil(size / 2 ** 20), 0);
        onProgress = (done) => bar.update(Math.floor(done / 2 ** 20));
        stopProgress = () => bar.stop();
      }
      const r = importCsv(store, args.file, key, { skipInvalid: args['skip-invalid'], onProgress });
      stopProgress();
      render(r, args.json === true);
    } finally {
      stopProgress();
      store.close();
    }
  },
});

function safeSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0; // importCsv reports the unreadable file
  }
}

function render(r: ImportReport, json: boolean): void {
  if (json) {
    printJson(r);
    return;
  }
  printLine(
    renderKeyValue([
      ['series', `${r.instrument} ${r.timeframe}`],
      ['file', r.file],
      ['format', `${r.layout}, delimiter ${JSON.stringify(r.delimiter)}, timestamps in ${r.timestampUnit ?? '?'}`],
      ['rows', r.rows],
      ['inserted', r.inserted],
      ['updated', r.updated],
      ['unchanged', r.unchanged],
      ['skipped', r.skipped],
      ['range', r.first !== undefined && r.last !== undefined ? `${isoUtc(r.first)} .. ${isoUtc(r.last)}` : ''],
    ]),
  );
  if (r.skipped > 0) {
    warn(`skipped ${r.skipped} bad row${r.skipped === 1 ? '' : 's'}:`);
    for (const p of r.problems) warn(`  ${p}`);
    if (r.skipped > r.problems.length) warn(`  … and ${r.skipped - r.problems.length} more`);
  }
}
