// Flags and the run loop shared by `candlekeep paper` and `candlekeep live` (one session command each).
import type { Argv } from '../../../vendor/yargs.js';
import { resolveHome } from '../../../../config/index.js';
import { UserError, isoUtc } from '../../../domain/index.js';
import type { GlobalArgs } from '../../command.js';
import { printJson, printLine, warn } from '../../output.js';
import { parseParamFlags } from '../../param-flags.js';

export type SessionArgs = {
  strategy: string;
  instrument: string;
  timeframe: string;
  param: string[];
  'exchange-url'?: string;
  account?: string;
  'poll-ms': number;
  warmup: number;
  'max-bars'?: number;
  'confirm-live'?: boolean;
};

export function sessionFlags<T>(y: Argv<T>): Argv<T & SessionArgs> {
  return y
    .option('strategy', { type: 'string', demandOption: true, describe: 'strategy id (strategies/<id>.ts) or path to a strategy file' })
    .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id <exchange>:<symbol>, e.g. binance:BTC/USDT' })
    .option('timeframe', { type: 'string', demandOption: true, describe: 'primary timeframe (ccxt string, e.g. 1h)' })
    .option('param', { type: 'string', array: true, default: [], describe: 'strategy parameter <name>=<value> (repeatable)' })
    .option('exchange-url', { type: 'string', describe: 'base URL of a Binance-compatible exchange to use instead of the real one (e.g. the local exchange from `candlekeep exchange serve`)' })
    .option('account', { type: 'string', describe: 'exchange account whose key is used (default live.account from the config, "main")' })
    .option('poll-ms', { type: 'number', default: 1000, describe: 'how often the live feed polls for closed bars (ms)' })
    .option('warmup', { type: 'number', default: 0, describe: 'closed bars loaded from the store (fetched when missing) before the first live bar' })
    .option('max-bars', { type: 'number', describe: 'stop after this many live bars (default: run until Ctrl-C)' }) as unknown as Argv<T & SessionArgs>;
}


/** Runs a session until SIGINT/SIGTERM (clean stop: no half-written journal rows) and prints a summary. */
export async function runSessionCli(mode: 'paper' | 'live', args: SessionArgs & GlobalArgs): Promise<void> {
  const { runSessionCommand } = await import('../../../app/run-session.js');
  if (!(args['poll-ms'] >= 10)) throw new UserError(`--poll-ms: ${args['poll-ms']} must be at least 10`);
  if (!Number.isInteger(args.warmup) || args.warmup < 0) throw new UserError(`--warmup: ${args.warmup} must be a whole number ≥ 0`);
  let stop!: () => void;
  const stopSignal = new Promise<void>((r) => (stop = r));
  const onSignal = () => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = process.stderr.isTTY;
  try {
    const final = await runSessionCommand({
      mode, home: resolveHome(args.home), ...(args.config ? { configFile: args.config } : {}), env: process.env,
      strategy: args.strategy, instrument: args.instrument, timeframe: args.timeframe, params: parseParamFlags(args.param),
      ...(args['exchange-url'] ? { exchangeUrl: args['exchange-url'] } : {}),
      ...(args.account ? { account: args.account } : {}),
      confirmLive: args['confirm-live'] === true, pollMs: args['poll-ms'], warmupBars: args.warmup,
      ...(args['max-bars'] !== undefined ? { maxBars: args['max-bars'] } : {}),
      stopSignal,
      onStart: (id, logFile) => warn(`${mode} session ${id} started (logs: ${logFile}); Ctrl-C stops it cleanly`),
      onStatus: (s) => {
        const line = `${mode} ${s.sessionId}  bars ${s.bars}  last ${s.lastBar === null ? '-' : isoUtc(s.lastBar)}  equity ${s.equity.toFixed(2)}  position ${s.position}  trades ${s.trades}${s.paused ? `  PAUSED: ${s.paused}` : ''}`;
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (!args.json) warn(line);
      },
    });
    if (tty) process.stderr.write('\n');
    if (args.json) printJson(final);
    else printLine(`${mode} session ${final.sessionId} stopped: ${final.bars} bars, ${final.trades} trades, ${final.orders} orders, equity ${final.equity.toFixed(2)}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
