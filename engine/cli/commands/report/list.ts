import { defineCommand } from '../../command.js';
import { printJson, printLine, renderTable } from '../../output.js';
import { homePaths, resolveHome } from '../../../../config/index.js';
import { listRuns, formatMetric } from '../../../reports/index.js';
import { UserError } from '../../../domain/index.js';

export default defineCommand({
  command: 'list',
  describe: 'list indexed runs, newest first',
  builder: (y) =>
    y
      .option('strategy', { type: 'string', describe: 'only runs of this strategy id' })
      .option('kind', { type: 'string', choices: ['backtest', 'optimisation', 'walk-forward'] as const, describe: 'only runs of this kind' })
      .option('limit', { type: 'number', describe: 'show at most this many runs' }),
  handler: (args) => {
    if (args.limit !== undefined && (!Number.isInteger(args.limit) || args.limit < 1)) {
      throw new UserError(`--limit: "${args.limit}" is not a whole number ≥ 1`);
    }
    const runs = listRuns(homePaths(resolveHome(args.home)).marketDb, {
      ...(args.strategy ? { strategyId: args.strategy } : {}),
      ...(args.kind ? { kind: args.kind } : {}),
      ...(args.limit ? { limit: args.limit } : {}),
    });
    if (args.json) {
      printJson(runs);
      return;
    }
    if (runs.length === 0) {
      printLine('no runs yet: run `candlekeep backtest …` to create one');
      return;
    }
    const m = (v: number | null | undefined, f: 'percent' | 'money' | 'ratio' | 'count') => formatMetric(v ?? null, f);
    printLine(
      renderTable(
        runs.map((r) => ({
          run: r.runId,
          created: new Date(r.createdAt).toISOString().slice(0, 19).replace('T', ' '),
          kind: r.kind,
          strategy: `${r.strategyId}@${r.strategyVersion}`,
          params: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '),
          data: `${r.instruments.join(',')} ${r.timeframes.join(',')}${r.synthetic ? ' (synthetic)' : ''}`,
          'return %': m(r.metrics.returnFrac, 'percent'),
          sharpe: m(r.metrics.sharpe, 'ratio'),
          'max dd %': m(r.metrics.maxDrawdownFrac, 'percent'),
          trades: m(r.metrics.tradeCount, 'count'),
        })),
      ),
    );
  },
});
