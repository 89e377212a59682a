import { resolveHome } from '../../../../config/index.js';
import { isoUtc } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderTable } from '../../output.js';
import { controlFlags, type ControlArgs } from './control.js';

export default defineCommand<ControlArgs>({
  command: 'status',
  describe: 'show sessions and the order journal of one (default: the running or newest session)',
  builder: (y) => controlFlags(y),
  handler: async (args) => {
    const { openSessions } = await import('../../../app/run-session.js');
    const { LiveSessions } = await import('../../../../data/store/live-sessions.js');
    const { OrderJournal } = await import('../../../../data/store/order-journal.js');
    const db = openSessions(resolveHome(args.home));
    try {
      const sessions = new LiveSessions(db);
      const s = args.session ? sessions.get(args.session) : sessions.latest();
      const orders = s ? new OrderJournal(db).bySession(s.id) : [];
      const unsettled = new OrderJournal(db).unsettled();
      if (args.json) {
        printJson({ session: s ?? null, orders, unsettled: unsettled.length });
        return;
      }
      if (!s) {
        printLine('no sessions yet');
        return;
      }
      printLine(`session ${s.id}  ${s.mode}  ${s.strategy}  ${s.instruments} ${s.timeframe}  ${s.status}  started ${isoUtc(s.startedAt)}${s.lastBar ? `  last bar ${isoUtc(s.lastBar)}` : ''}`);
      printLine(renderTable(orders.map((o) => ({ clientOrderId: o.clientOrderId, bar: isoUtc(o.barOpenTime), kind: o.intentKind, side: o.side, amount: o.amount, state: o.state, filled: o.filled, avgPrice: o.avgPrice, error: o.lastError?.slice(0, 60) ?? '' }))));
      if (unsettled.length) printLine(`${unsettled.length} order(s) with an unknown outcome; they are reconciled when a session starts`);
    } finally {
      db.close();
    }
  },
});
