import { resolveHome } from '../../../../config/index.js';
import { parseTime, UserError } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine } from '../../output.js';

type DeleteArgs = { instrument: string; timeframe: string; from?: string; to?: string };

export default defineCommand<DeleteArgs>({
  command: 'delete',
  describe: 'delete the bars of a series (all, or those in --from/--to); one transaction',
  builder: (y) =>
    y
      .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id, e.g. binance:BTC/USDT' })
      .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe as a ccxt string, e.g. 1h' })
      .option('from', { type: 'string', describe: 'first bar open time to delete (ISO-8601 UTC or epoch ms); default: from the start' })
      .option('to', { type: 'string', describe: 'end of the range, exclusive (ISO-8601 UTC or epoch ms); default: to the end' }),
  handler: async (args) => {
    // Loaded on use: the CLI starts without opening SQLite.
    const { openBarStore, parseSeriesKey } = await import('../../../../data/index.js');
    const key = parseSeriesKey(args.instrument, args.timeframe);
    const range = {
      from: args.from === undefined ? undefined : parseTime(args.from, '--from'),
      to: args.to === undefined ? undefined : parseTime(args.to, '--to'),
    };
    const store = openBarStore(resolveHome(args.home));
    try {
      if (!store.info(key)) throw new UserError(`no bars stored for ${key.instrument} ${key.timeframe} (see data list)`);
      const deleted = store.delete(key, range);
      const left = store.info(key)?.count ?? 0;
      if (args.json) printJson({ instrument: key.instrument, timeframe: key.timeframe, deleted, remaining: left });
      else printLine(`deleted ${deleted} bars of ${key.instrument} ${key.timeframe}; ${left} remain`);
    } finally {
      store.close();
    }
  },
});
