import { loadConfig, resolveHome } from '../../../config/index.js';
import { defineCommand } from '../command.js';
import { printJson, printLine } from '../output.js';

export default defineCommand<object>({
  command: 'demo',
  describe: 'offline demo (npm start): generates a synthetic series if the store is empty, backtests an example strategy, prints the summary and the report path',
  handler: async (args) => {
    const home = resolveHome(args.home);
    const config = loadConfig({ home, ...(args.config ? { file: args.config } : {}) });
    const { runDemo } = await import('../../app/index.js');
    const r = await runDemo({ home, resultsDir: config.backtest.resultsDir });
    if (args.json) {
      printJson({ runId: r.runId, dir: r.dir, reportHtml: r.reportHtml, series: r.series, generated: r.generated, synthetic: r.synthetic });
      return;
    }
    if (r.generated) printLine(`The store was empty: generated ${r.series.instrument} ${r.series.timeframe} (SYNTHETIC, seed 7) in ${home}.\n`);
    printLine(r.summary);
    printLine(`\nOpen the report: ${r.reportHtml ?? r.dir}`);
    printLine(`Next: candlekeep backtest --strategy rsi-reversion --instrument ${r.series.instrument} --timeframe ${r.series.timeframe}; candlekeep new strategy my-idea`);
  },
});
