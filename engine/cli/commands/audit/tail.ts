import { defineCommand } from '../../command.js';
import { UserError, isoUtc } from '../../../domain/index.js';
import { printJson, printLine, renderTable } from '../../output.js';
import { openKeys } from '../keys/open.js';

export default defineCommand({
  command: 'tail',
  describe: 'show the newest audit log rows',
  builder: (y) => y.option('limit', { type: 'number', default: 20, describe: 'how many rows (1-10000)' }),
  handler: (args) => {
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > 10_000) throw new UserError(`--limit: ${args.limit} must be an integer from 1 to 10000`);
    const ctx = openKeys(args, { masterKey: false, mustExist: true });
    try {
      const rows = ctx.store.audit.tail(args.limit);
      if (args.json) return printJson(rows);
      printLine(renderTable(
        rows.map((r) => ({
          seq: r.seq, at: isoUtc(r.at), event: r.event, outcome: r.outcome, reason: r.reason ?? '', principal: r.principal ?? '',
          key: r.key_id ?? '', request: r.method ? `${r.method} ${r.target}` : '', remote: r.remote ?? '', detail: r.detail ?? '',
        })),
      ));
    } finally {
      ctx.store.close();
    }
  },
});
