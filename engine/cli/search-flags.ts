import type { Argv } from '../vendor/yargs.js';
import { UserError } from '../domain/index.js';
import type { Config } from '../../config/index.js';
import type { GlobalArgs } from './command.js';
import { parseParamFlags } from './param-flags.js';

/** Flags shared by `optimize` and `walkforward`. */
export type SearchArgs = {
  strategy?: string; instrument?: string; timeframe?: string; from?: string; to?: string; cash?: number; fee?: number;
  param?: string[]; grid?: string[]; random?: number; seed?: number; objective: string; constraint?: string[];
  workers?: number; top: number; html?: boolean; queue?: string;
};

export function searchFlags(y: Argv<GlobalArgs>): Argv<SearchArgs> {
  return y
    .option('strategy', { type: 'string', demandOption: true, describe: 'strategy id (strategies/<id>.ts) or path' })
    .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id, e.g. binance:BTC/USDT' })
    .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe, e.g. 1h' })
    .option('from', { type: 'string', describe: 'first bar open time (ISO-8601 UTC or epoch ms), inclusive' })
    .option('to', { type: 'string', describe: 'end of the range, exclusive' })
    .option('cash', { type: 'number', describe: 'starting cash (default: config backtest.cash)' })
    .option('fee', { type: 'number', describe: 'fee rate per side (default: config backtest.feeRate)' })
    .option('param', { type: 'string', array: true, describe: 'fixed value for a param not searched, name=value (repeatable)' })
    .option('grid', { type: 'string', array: true, describe: 'a searched param: name=start:stop:step or name=a,b,c (repeatable)' })
    .option('random', { type: 'number', describe: 'sample this many distinct grid points at random (seeded) instead of the full grid' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the random search' })
    .option('objective', { type: 'string', default: 'sharpe', describe: 'what to maximise: sharpe, sortino, calmar, return, cagr, sqn, profit-factor, expectancy, win-rate, equity, drawdown, psr' })
    .option('constraint', { type: 'string', array: true, describe: 'keep only combinations where this holds, e.g. "fast<slow" (repeatable)' })
    .option('workers', { type: 'number', describe: 'worker threads (default: all cores; 0 = in this thread)' })
    .option('queue', { type: 'string', describe: 'distribute the trials through this Redis queue (BullMQ) to `candlekeep worker` processes, e.g. redis://127.0.0.1:6379' })
    .option('top', { type: 'number', default: 10, describe: 'rows in the top table' })
    .option('html', { type: 'boolean', default: true, describe: 'write research.html and report.html (--no-html skips)' }) as unknown as Argv<SearchArgs>;
}


/** Validates the shared flags and builds the search part of the spec. */
export function searchSpec(args: SearchArgs, config: Config) {
  if (args.workers !== undefined && !(Number.isInteger(args.workers) && args.workers >= 0 && args.workers <= 256)) throw new UserError(`--workers must be a whole number from 0 to 256, got ${args.workers}`);
  if (!(Number.isInteger(args.top) && args.top > 0)) throw new UserError(`--top must be a positive whole number, got ${args.top}`);
  if (!Number.isInteger(args.seed)) throw new UserError(`--seed must be a whole number, got ${args.seed}`);
  return {
    strategy: args.strategy!, instrument: args.instrument!, timeframe: args.timeframe!,
    ...(args.from !== undefined ? { from: args.from } : {}), ...(args.to !== undefined ? { to: args.to } : {}),
    cash: args.cash ?? config.backtest.cash, fee: args.fee ?? config.backtest.feeRate,
    params: parseParamFlags(args.param), grid: args.grid ?? [], objective: args.objective,
    ...(args.random !== undefined ? { random: args.random } : {}), seed: args.seed ?? 1,
    constraints: args.constraint ?? [],
  };
}

export const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : `${(v * 100).toFixed(2)}%`);
