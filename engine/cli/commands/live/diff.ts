import { resolveHome, loadConfig } from '../../../../config/index.js';
import { UserError, isoUtc } from '../../../domain/index.js';
import type { ClosedTrade } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderKeyValue, renderTable } from '../../output.js';

type DiffArgs = { session: string };

export default defineCommand<DiffArgs>({
  command: 'diff',
  describe: "replay a finished paper/live session's period through the backtester and report, trade by trade, where they differ",
  builder: (y) => y.option('session', { type: 'string', demandOption: true, describe: 'session id (see candlekeep live status)' }),
  handler: async (args) => {
    const home = resolveHome(args.home);
    const config = loadConfig({ home, ...(args.config ? { file: args.config } : {}) });
    const { openSessions } = await import('../../../app/run-session.js');
    const { LiveSessions } = await import('../../../../data/store/live-sessions.js');
    const { loadStrategy } = await import('../../../app/load-strategy.js');
    const { diffSession } = await import('../../../app/live-diff.js');
    const { openBarStore } = await import('../../../../data/store/bar-store.js');
    const db = openSessions(home);
    const store = openBarStore(home, { readonly: true });
    try {
      const sessions = new LiveSessions(db);
      const session = sessions.get(args.session);
      if (!session) throw new UserError(`no session "${args.session}" (see candlekeep live status)`);
      const strategy = await loadStrategy(session.strategy);
      const { OrderJournal } = await import('../../../../data/store/order-journal.js');
      const journal = new OrderJournal(db);
      const tf = (await import('../../../domain/index.js')).timeframeMs(session.timeframe as never);
      const d = diffSession({
        session, liveTrades: sessions.trades<ClosedTrade>(session.id), strategy, store, feeRate: config.backtest.feeRate, cash: config.backtest.cash,
        decidedAt: (id) => {
          const r = journal.get(id);
          return r ? r.barOpenTime + tf : undefined;
        },
      });
      if (args.json) {
        printJson(d);
        return;
      }
      printLine(renderKeyValue([
        ['session', d.session], ['period', `${isoUtc(d.period.from)} → ${isoUtc(d.period.to)} (${d.period.bars} bars)`],
        ['live trades', d.liveTrades], ['backtest trades', d.backtestTrades], ['identical', d.matched], ['differing', d.differing],
        ['missed in live', d.missed], ['extra in live', d.extra], ['closed after the period', d.closedAfterPeriod], ['pnl live', d.pnl.live], ['pnl backtest', d.pnl.backtest],
      ]));
      const t = (x?: number) => (x === undefined ? '' : isoUtc(x));
      printLine('');
      printLine(renderTable(d.rows.map((r) => ({
        n: r.n, kind: r.same ? 'same' : r.kind, dir: r.direction, entry: t(r.live?.entryTime ?? r.backtest?.entryTime),
        'entry live': r.live?.entryPrice, 'entry bt': r.backtest?.entryPrice, 'exit live': r.live?.exitPrice, 'exit bt': r.backtest?.exitPrice,
        'fees Δ': r.feesDiff, 'pnl Δ': r.pnlDiff, 'exit time Δ s': r.exitTimeDiffMs === undefined ? undefined : r.exitTimeDiffMs / 1000,
      }))));
    } finally {
      store.close();
      db.close();
    }
  },
});
