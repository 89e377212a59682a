import { resolveHome } from '../../../../config/index.js';
import { isoUtc, parseTime, UserError } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, warn } from '../../output.js';

type ExportArgs = { instrument: string; timeframe: string; out: string; from?: string; to?: string };

export default defineCommand<ExportArgs>({
  command: 'export',
  describe: 'write a stored series to CSV (timestamp,open,high,low,close,volume; UTC ms; values exactly as stored)',
  builder: (y) =>
    y
      .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id, e.g. binance:BTC/USDT' })
      .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe as a ccxt string, e.g. 1h' })
      .option('out', { type: 'string', demandOption: true, describe: 'CSV file to write (replaced atomically)' })
      .option('from', { type: 'string', describe: 'first bar open time to include (ISO-8601 UTC like 2024-01-01, or epoch ms)' })
      .option('to', { type: 'string', describe: 'end of the range, exclusive (ISO-8601 UTC or epoch ms)' }),
  handler: async (args) => {
    // Loaded on use: the CLI starts without opening SQLite.
    const { exportCsv, openBarStore, parseSeriesKey } = await import('../../../../data/index.js');
    const key = parseSeriesKey(args.instrument, args.timeframe);
    const range = {
      from: args.from === undefined ? undefined : parseTime(args.from, '--from'),
      to: args.to === undefined ? undefined : parseTime(args.to, '--to'),
    };
    const store = openBarStore(resolveHome(args.home));
    try {
      const info = store.info(key);
      if (!info) throw new UserError(`no bars stored for ${key.instrument} ${key.timeframe} (see data list)`);
      const r = exportCsv(store, key, args.out, range);
      if (args.json) printJson({ ...r, instrument: key.instrument, timeframe: key.timeframe, synthetic: info.synthetic, source: info.source });
      else {
        const span = r.first !== undefined && r.last !== undefined ? ` (${isoUtc(r.first)} .. ${isoUtc(r.last)})` : '';
        printLine(`wrote ${r.rows} bars of ${key.instrument} ${key.timeframe}${info.synthetic ? ' [SYNTHETIC]' : ''} to ${r.file}${span}`);
        if (r.rows === 0) warn('no bars in the given range');
      }
    } finally {
      store.close();
    }
  },
});
