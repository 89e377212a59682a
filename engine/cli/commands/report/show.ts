import { defineCommand } from '../../command.js';
import { printLine } from '../../output.js';
import { homePaths, resolveHome } from '../../../../config/index.js';
import { loadRuns, renderSummary } from '../../../reports/index.js';
import { UserError } from '../../../domain/index.js';
import fs from 'node:fs';
import path from 'node:path';

export default defineCommand({
  command: 'show <run>',
  describe: 'show one run\'s summary (metrics table); --json prints its report.json',
  builder: (y) =>
    y.positional('run', { type: 'string', demandOption: true, describe: 'run id, a unique prefix of it or of its hash part, or "latest"' }),
  handler: async (args) => {
    if (!args.run) throw new UserError('report show: name a run (an id from `candlekeep report list`, a unique prefix, or "latest")');
    const [run] = await loadRuns(homePaths(resolveHome(args.home)).marketDb, [String(args.run)]);
    if (args.json) {
      // The stored bytes, exactly (report.json is already deterministic JSON).
      process.stdout.write(fs.readFileSync(run!.file, 'utf8'));
      return;
    }
    const html = path.join(run!.record.path, 'report.html');
    // The index's id is the one users type (research runs index their winner's report under their own id).
    printLine(renderSummary({ ...run!.report, runId: run!.record.runId }, { path: fs.existsSync(html) ? html : run!.file }));
  },
});
