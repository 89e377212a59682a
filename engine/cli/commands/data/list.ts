import { resolveHome } from '../../../../config/index.js';
import { isoUtc } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderTable } from '../../output.js';

export default defineCommand<object>({
  command: 'list',
  describe: 'list stored series: range, bar count, missing bars and gaps, source, content hash; synthetic series are labelled',
  handler: async (args) => {
    // Loaded on use: the CLI starts without opening SQLite.
    const { openBarStore } = await import('../../../../data/index.js');
    const store = openBarStore(resolveHome(args.home));
    try {
      const series = store.list();
      if (args.json) {
        printJson(series.map((s) => ({ ...s, firstIso: isoUtc(s.first), lastIso: isoUtc(s.last) })));
        return;
      }
      if (series.length === 0) {
        printLine('no series stored yet (data import, data fetch or data synth)');
        return;
      }
      printLine(
        renderTable(
          series.map((s) => ({
            instrument: s.instrument,
            timeframe: s.timeframe,
            first: isoUtc(s.first),
            last: isoUtc(s.last),
            count: s.count,
            missing: s.missing,
            gaps: s.gaps,
            source: s.source,
            kind: s.synthetic ? 'SYNTHETIC' : 'market',
            hash: s.hash.slice(0, 16),
          })),
        ),
      );
    } finally {
      store.close();
    }
  },
});
