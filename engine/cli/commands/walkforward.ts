import { loadConfig, resolveHome } from '../../../config/index.js';
import { defineCommand } from '../command.js';
import { printJson, printLine, renderKeyValue, renderTable, warn } from '../output.js';
import { interruptSignal, progressBar } from '../progress.js';
import { pct, searchFlags, searchSpec, type SearchArgs } from '../search-flags.js';

type WalkArgs = SearchArgs & { 'in-sample': string; 'out-of-sample': string; mode: string };

const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toPrecision(6)));

export default defineCommand<WalkArgs>({
  command: 'walkforward',
  describe: 'walk-forward analysis: optimise in-sample, trade the winner out-of-sample, window after window; stitched OOS equity, IS vs OOS degradation',
  builder: (y) =>
    searchFlags(y)
      .option('in-sample', { type: 'string', demandOption: true, describe: 'in-sample window: bars (e.g. 20000) or a duration (e.g. 30d)' })
      .option('out-of-sample', { type: 'string', demandOption: true, describe: 'out-of-sample window: bars or a duration' })
      .option('mode', { type: 'string', choices: ['rolling', 'anchored'], default: 'rolling', describe: 'rolling: the in-sample window slides; anchored: it always starts at the first bar' }) as never,
  handler: async (args) => {
    const home = resolveHome(args.home);
    const config = loadConfig({ home, ...(args.config ? { file: args.config } : {}) });
    const spec = { ...searchSpec(args, config), inSample: args['in-sample'], outOfSample: args['out-of-sample'], mode: args.mode as 'rolling' | 'anchored' };
    const { runWalkForward } = await import('../../app/run-walkforward.js');
    const progress = await progressBar('walkforward', !args.json);
    const intr = interruptSignal(() => warn('\ninterrupted: finishing the batches in flight; what finished is kept (run the same command again to resume)'));
    let r;
    try {
      r = await runWalkForward(spec, {
        home, resultsDir: config.backtest.resultsDir, signal: intr.signal, progress,
        ...(args.workers !== undefined ? { workers: args.workers } : {}), html: args.html !== false,
      });
    } finally {
      intr.dispose();
    }
    if (args.json) {
      printJson({ ...r, trials: r.trials.slice(0, args.top).map(({ returns: _r, ...t }) => t) });
    } else {
      const names = r.axes.map((a) => a.name);
      printLine(renderKeyValue([
        ['Run', r.runId], ['Strategy', `${r.strategy.id}@${r.strategy.version}`], ['Mode', r.mode], ['Objective', r.objective],
        ['Windows', `${r.windows.length}${r.interrupted ? ' — INTERRUPTED' : ''}`],
        ['OOS return', pct(r.oos.returnFrac)], ['OOS max drawdown', pct(r.oos.maxDrawdownFrac)], ['OOS trades', r.oos.tradeCount],
        [`Mean IS ${r.objective}`, num(r.summary.meanIsObjective)], [`Mean OOS ${r.objective}`, num(r.summary.meanOosObjective)],
        ['Mean degradation', num(r.summary.meanDegradation)], ['Windows with OOS gain', `${r.summary.windowsWithPositiveOos} of ${r.windows.length}`],
      ]));
      printLine();
      printLine(renderTable(r.windows.map((w) => ({
        window: w.index, 'oos from': new Date(w.oosFrom).toISOString().slice(0, 16), bars: w.oosBars,
        ...Object.fromEntries(names.map((n) => [n, w.params[n] as number | string])),
        [`IS ${r.objective}`]: num(w.isObjective), [`OOS ${r.objective}`]: num(w.oosObjective), 'OOS return': pct(w.oosReturnFrac),
        DSR: num(w.overfitting.deflatedSharpe?.dsr), PBO: num(w.overfitting.pbo?.pbo),
      }))));
      printLine();
      printLine(`Results: ${r.dir}/research.html`);
    }
    if (r.interrupted) process.exitCode = 130;
  },
});
