import { loadConfig, resolveHome } from '../../../config/index.js';
import { defineCommand } from '../command.js';
import { printJson, printLine, renderKeyValue, renderTable, warn } from '../output.js';
import { interruptSignal, progressBar } from '../progress.js';
import { pct, searchFlags, searchSpec, type SearchArgs } from '../search-flags.js';

export default defineCommand<SearchArgs>({
  command: 'optimize',
  describe: 'search strategy params (grid or seeded random) in parallel; results in SQLite, research.html with a heatmap',
  builder: searchFlags,
  handler: async (args) => {
    const home = resolveHome(args.home);
    const config = loadConfig({ home, ...(args.config ? { file: args.config } : {}) });
    const { runOptimization } = await import('../../app/run-optimize.js');
    const spec = searchSpec(args, config);
    const progress = await progressBar('optimize', !args.json);
    const intr = interruptSignal(() => warn('\ninterrupted: finishing the batches in flight; what finished is kept (run the same command again to resume)'));
    let r;
    try {
      r = await runOptimization(spec, {
        home, resultsDir: config.backtest.resultsDir, signal: intr.signal, progress,
        ...(args.workers !== undefined ? { workers: args.workers } : {}), html: args.html !== false,
        ...(args.queue ? { queue: args.queue } : {}),
      });
    } finally {
      intr.dispose();
    }
    if (args.json) {
      printJson({ ...r, trials: r.trials.map(({ returns: _r, ...t }) => t) });
    } else {
      const names = r.axes.map((a) => a.name);
      printLine(renderKeyValue([
        ['Run', r.runId],
        ['Strategy', `${r.strategy.id}@${r.strategy.version}`],
        ['Data', r.data.map((d) => `${d.instrument} ${d.timeframe} ${d.count} bars${d.synthetic ? ' (SYNTHETIC)' : ''}`).join('; ')],
        ['Objective', r.objective],
        ['Candidates', `${r.candidates} of ${r.gridSize} grid points (${r.rejectedByConstraint} rejected by constraints)`],
        ['Completed', `${r.completed}${r.resumed ? ` (${r.resumed} resumed)` : ''}${r.failed ? `, ${r.failed} failed` : ''}${r.interrupted ? ' — INTERRUPTED' : ''}`],
        ['Workers', r.workers],
        ['Elapsed', `${(r.elapsedMs / 1000).toFixed(2)} s`],
        ['Deflated Sharpe', r.overfitting.deflatedSharpe ? r.overfitting.deflatedSharpe.dsr.toFixed(4) : '—'],
        ['PBO', r.overfitting.pbo ? r.overfitting.pbo.pbo.toFixed(4) : '—'],
      ]));
      printLine();
      printLine(renderTable(r.trials.slice(0, args.top).map((t) => ({
        rank: t.rank, ...Object.fromEntries(names.map((n) => [n, t.params[n] as number | string])),
        [r.objective]: t.objective, return: pct(t.metrics?.returnFrac), maxDD: pct(t.metrics?.maxDrawdownFrac), trades: t.metrics?.tradeCount ?? null,
        ...(t.error ? { error: t.error } : {}),
      }))));
      printLine();
      printLine(`Results: ${r.dir}/research.html`);
    }
    if (r.interrupted) process.exitCode = 130;
  },
});
