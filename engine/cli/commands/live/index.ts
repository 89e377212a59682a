import type { Argv } from '../../../vendor/yargs.js';
import type { CommandDef, GlobalArgs } from '../../command.js';
import { UserError } from '../../../domain/index.js';
import { runSessionCli, type SessionArgs } from './session-flags.js';
import pause from './pause.js';
import resume from './resume.js';
import flatten from './flatten.js';
import status from './status.js';
import diff from './diff.js';

// Subcommands: one file each. `candlekeep live --strategy … --confirm-live` itself runs a live session.
const subs: readonly CommandDef<any>[] = [pause, resume, flatten, status, diff];

type LiveArgs = Partial<SessionArgs> & { 'confirm-live'?: boolean };

const live: CommandDef<LiveArgs> = {
  command: 'live',
  describe: 'run a strategy against a real exchange (needs --confirm-live and an exchange key), or control sessions: pause|resume|flatten|status|diff',
  builder: (y: Argv<GlobalArgs>) => {
    for (const s of subs) y.command(s as never);
    return y
      .option('strategy', { type: 'string', describe: 'strategy id (strategies/<id>.ts) or path to a strategy file' })
      .option('instrument', { type: 'string', describe: 'instrument id <exchange>:<symbol>, e.g. binance:BTC/USDT' })
      .option('timeframe', { type: 'string', describe: 'primary timeframe (ccxt string, e.g. 1h)' })
      .option('param', { type: 'string', array: true, default: [], describe: 'strategy parameter <name>=<value> (repeatable)' })
      .option('exchange-url', { type: 'string', describe: 'base URL of a Binance-compatible exchange instead of the real one (the local exchange: candlekeep exchange serve)' })
      .option('account', { type: 'string', describe: 'exchange account whose key is used (default live.account from the config, "main")' })
      .option('poll-ms', { type: 'number', default: 1000, describe: 'how often the live feed polls for closed bars (ms)' })
      .option('warmup', { type: 'number', default: 0, describe: 'closed bars loaded from the store (fetched when missing) before the first live bar' })
      .option('max-bars', { type: 'number', describe: 'stop after this many live bars (default: run until Ctrl-C)' })
      .option('confirm-live', { type: 'boolean', describe: 'required to place real orders (or live.confirmLive in the config)' }) as unknown as Argv<LiveArgs>;
  },
  handler: async (args) => {
    for (const f of ['strategy', 'instrument', 'timeframe'] as const) {
      if (!args[f]) throw new UserError(`live: --${f} is required to run a session (or name a subcommand: pause, resume, flatten, status, diff)`);
    }
    await runSessionCli('live', args as SessionArgs & GlobalArgs);
  },
};

export default live;
