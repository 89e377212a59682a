import { defineCommand } from '../../command.js';
import { UserError } from '../../../domain/index.js';
import { verifyAuditChain } from '../../../signing/audit-chain.js';
import type { AuditRow } from '../../../ports/index.js';
import { printJson, printLine } from '../../output.js';
import { openKeys } from '../keys/open.js';

export default defineCommand({
  command: 'verify',
  describe: 'recompute the audit log hash chain from the genesis and name the first broken row',
  handler: (args) => {
    const ctx = openKeys(args, { masterKey: false, mustExist: true });
    try {
      const store = ctx.store;
      function* pages(): Generator<AuditRow[]> {
        let after = 0;
        for (;;) {
          const page = store.audit.read(after, 5000);
          if (page.length === 0) return;
          yield page;
          after = page[page.length - 1]!.seq;
        }
      }
      const r = verifyAuditChain(pages());
      if (args.json) {
        printJson(r);
        if (!r.ok) process.exitCode = 1;
        return;
      }
      if (!r.ok) throw new UserError(`audit chain broken at seq ${r.brokenSeq}: ${r.problem} (${r.rows} rows before it verify)`);
      printLine(`audit chain intact: ${r.rows} rows, last seq ${r.lastSeq}, last hash ${r.lastHash}`);
    } finally {
      ctx.store.close();
    }
  },
});
