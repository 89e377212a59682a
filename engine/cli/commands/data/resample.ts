import { resolveHome } from '../../../../config/index.js';
import { parseInstrument, parseTimeframe } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderKeyValue } from '../../output.js';

type ResampleArgs = { instrument: string; from: string; to: string; 'complete-only': boolean };

export default defineCommand<ResampleArgs>({
  command: 'resample',
  describe: 'build a longer timeframe from a stored one (UTC-aligned buckets: open first, high max, low min, close last, volume sum)',
  builder: (y) =>
    y
      .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id, e.g. binance:BTC/USDT' })
      .option('from', { type: 'string', demandOption: true, describe: 'stored source timeframe, e.g. 1m' })
      .option('to', { type: 'string', demandOption: true, describe: 'target timeframe, a whole multiple of --from, e.g. 1h' })
      .option('complete-only', { type: 'boolean', default: false, describe:
          'leave out interior buckets with missing source bars (default: build them from the bars present and count them as partial). ' +
          'A first/last bucket cut short by the start/end of the data is always left out' }),
  handler: async (args) => {
    // Loaded on use: the CLI starts without opening SQLite.
    const { openBarStore, resampleSeries } = await import('../../../../data/index.js');
    const instrument = parseInstrument(args.instrument, '--instrument').id;
    const from = parseTimeframe(args.from, '--from');
    const to = parseTimeframe(args.to, '--to');
    const store = openBarStore(resolveHome(args.home));
    try {
      const r = resampleSeries(store, instrument, from, to, { completeOnly: args['complete-only'] });
      if (args.json) printJson(r);
      else
        printLine(
          renderKeyValue([
            ['series', `${instrument} ${from} -> ${to}${r.synthetic ? ' [SYNTHETIC]' : ''}`],
            ['source bars', r.sourceBars],
            ['bars', r.bars],
            ['inserted', r.inserted],
            ['updated', r.updated],
            ['unchanged', r.unchanged],
            ['partial buckets', r.partial],
            ['dropped (missing bars)', r.droppedPartial],
            ['dropped (incomplete first/last)', r.droppedEdges],
          ]),
        );
    } finally {
      store.close();
    }
  },
});
