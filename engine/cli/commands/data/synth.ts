import { resolveHome } from '../../../../config/index.js';
import { isoUtc, parseTime, UserError } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderKeyValue } from '../../output.js';

type SynthArgs = { instrument: string; timeframe: string; bars: number; seed: number; start: string; price: number };

export default defineCommand<SynthArgs>({
  command: 'synth',
  describe: 'generate a seeded SYNTHETIC series (GARCH volatility clustering, fat tails) for offline demos; flagged synthetic everywhere',
  builder: (y) =>
    y
      .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id on the synth exchange, e.g. synth:BTC/USDT' })
      .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe as a ccxt string, e.g. 1h' })
      .option('bars', { type: 'number', demandOption: true, describe: 'number of bars to generate' })
      .option('seed', { type: 'number', default: 1, describe: 'random seed (0..4294967295): the same seed gives the same bars' })
      .option('start', { type: 'string', default: '2024-01-01', describe: 'open time of the first bar (ISO-8601 UTC or epoch ms)' })
      .option('price', { type: 'number', default: 100, describe: 'first open price' }),
  handler: async (args) => {
    // Loaded on use: the CLI starts without opening SQLite.
    const { openBarStore, parseSeriesKey, synthSeries } = await import('../../../../data/index.js');
    const key = parseSeriesKey(args.instrument, args.timeframe);
    if (!Number.isFinite(args.bars)) throw new UserError(`--bars: "${args.bars}" is not a number`);
    if (!Number.isFinite(args.seed)) throw new UserError(`--seed: "${args.seed}" is not a number`);
    const start = parseTime(args.start, '--start');
    const store = openBarStore(resolveHome(args.home));
    try {
      const r = synthSeries(store, key, { bars: args.bars, seed: args.seed, start, startPrice: args.price });
      if (args.json) printJson(r);
      else
        printLine(
          renderKeyValue([
            ['series', `${r.instrument} ${r.timeframe} [SYNTHETIC]`],
            ['source', r.source],
            ['bars', r.bars],
            ['range', `${isoUtc(r.first)} .. ${isoUtc(r.last)}`],
            ['inserted', r.inserted],
            ['updated', r.updated],
            ['unchanged', r.unchanged],
          ]),
        );
    } finally {
      store.close();
    }
  },
});
