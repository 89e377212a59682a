import { defineCommand } from '../../command.js';
import { printJson, printLine } from '../../output.js';
import { homePaths, resolveHome } from '../../../../config/index.js';
import { UserError } from '../../../domain/index.js';
import { compareRuns, loadRuns, renderComparison } from '../../../reports/index.js';

export default defineCommand({
  command: 'compare <runs..>',
  describe: 'compare two or more runs: metrics with deltas against the first, parameter and data differences, differing trades',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'run ids (or unique prefixes, or "latest"); the first is the baseline' })
      .option('max-trades', { type: 'number', default: 20, describe: 'list at most this many trades per category in the text output' }),
  handler: async (args) => {
    const refs = (args.runs ?? []).map(String);
    if (refs.length < 2) throw new UserError('report compare: name at least two runs (e.g. `candlekeep report compare <runA> <runB>`)');
    const maxTrades = args.maxTrades;
    if (!Number.isInteger(maxTrades) || maxTrades < 0) throw new UserError(`--max-trades: "${maxTrades}" is not a whole number ≥ 0`);
    const runs = await loadRuns(homePaths(resolveHome(args.home)).marketDb, refs);
    const ids = runs.map((r) => r.record.runId);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) throw new UserError(`report compare: run "${dup}" is named twice`);
    // The index's id is the one users type (research runs index their winner's report under their own id).
    const c = await compareRuns(runs.map((r) => ({ ...r.report, runId: r.record.runId })));
    if (args.json) printJson(c);
    else printLine(renderComparison(c, maxTrades));
  },
});
