import { loadConfig, resolveHome } from '../../../config/index.js';
import { UserError, isoUtc } from '../../domain/index.js';
import { defineCommand } from '../command.js';
import { parseParamFlags } from '../param-flags.js';
import { printLine, warn } from '../output.js';

type BacktestArgs = {
  spec?: string;
  strategy?: string;
  instrument?: string;
  timeframe?: string;
  from?: string;
  to?: string;
  cash?: number;
  fee?: number;
  param?: string[];
  'maker-fee'?: number;
  'taker-fee'?: number;
  'fixed-fee'?: number;
  'slippage-bps'?: number;
  'slippage-range'?: number;
  'volume-cap'?: number;
  leverage?: number;
  short?: boolean;
  intrabar?: string;
  'intrabar-timeframe'?: string;
  'amount-step'?: number;
  'price-step'?: number;
  'min-amount'?: number;
  'min-notional'?: number;
  html?: boolean;
};


function num(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v)) throw new UserError(`--${name}: not a number`);
  return v;
}

export default defineCommand<BacktestArgs>({
  command: 'backtest [spec]',
  describe: 'run a strategy over stored bars; writes report.json, trades.csv and report.html under backtests/results/<run-id>/',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'a backtest spec file (backtests/<name>.json); flags override its fields' })
      .option('strategy', { type: 'string', describe: 'strategy id (a file in strategies/) or a path to a strategy file' })
      .option('instrument', { type: 'string', describe: 'instrument id, e.g. binance:BTC/USDT' })
      .option('timeframe', { type: 'string', describe: 'bar timeframe as a ccxt string, e.g. 1h' })
      .option('from', { type: 'string', describe: 'first bar open time (ISO-8601 UTC or epoch ms), inclusive' })
      .option('to', { type: 'string', describe: 'end of the range (ISO-8601 UTC or epoch ms), exclusive' })
      .option('cash', { type: 'number', describe: 'starting cash in quote currency (default: config backtest.cash, 10000)' })
      .option('fee', { type: 'number', describe: 'fee rate per side as a fraction, maker and taker (default: config backtest.feeRate, 0.001)' })
      .option('param', { type: 'string', array: true, describe: 'strategy parameter name=value (repeatable), e.g. --param fast=10' })
      .option('maker-fee', { type: 'number', describe: 'maker fee rate (resting limit fills), overrides --fee' })
      .option('taker-fee', { type: 'number', describe: 'taker fee rate (market, stop, marketable fills), overrides --fee' })
      .option('fixed-fee', { type: 'number', describe: 'fixed fee per fill in quote currency' })
      .option('slippage-bps', { type: 'number', describe: 'slippage on taker fills, basis points of the price' })
      .option('slippage-range', { type: 'number', describe: "slippage on taker fills as a fraction of the bar's high-low range" })
      .option('volume-cap', { type: 'number', describe: "fill at most this fraction of a bar's volume (rest stays open)" })
      .option('leverage', { type: 'number', describe: 'maximum gross exposure as a multiple of equity (default 1)' })
      .option('short', { type: 'boolean', describe: 'allow short positions (default true; --no-short forbids them)' })
      .option('intrabar', { type: 'string', choices: ['pessimistic', 'optimistic'], describe: 'when one bar hits both stop-loss and take-profit: pessimistic (default) takes the stop' })
      .option('intrabar-timeframe', {
        type: 'string',
        describe: 'stored finer bars (e.g. 1m) that decide which of stop-loss and take-profit traded first when one bar touches both; --intrabar applies only where they cannot',
      })
      .option('amount-step', { type: 'number', describe: 'market amount step (orders are rounded down to it)' })
      .option('price-step', { type: 'number', describe: 'market price step (tick size)' })
      .option('min-amount', { type: 'number', describe: 'market minimum order amount' })
      .option('min-notional', { type: 'number', describe: 'market minimum order value in quote currency' })
      .option('html', { type: 'boolean', default: true, describe: 'write report.html (--no-html skips it)' }),
  handler: async (args) => {
    const home = resolveHome(args.home);
    const config = loadConfig({ home, ...(args.config ? { file: args.config } : {}) });
    const { readBacktestSpec, parseBacktestSpec, backtestFromStore } = await import('../../app/index.js');
    const base: Record<string, unknown> = args.spec ? { ...readBacktestSpec(args.spec) } : {};
    const flagParams = parseParamFlags(args.param);
    const set = (k: string, v: unknown) => {
      if (v !== undefined) base[k] = v;
    };
    set('strategy', args.strategy);
    set('instrument', args.instrument);
    set('timeframe', args.timeframe);
    set('from', args.from);
    set('to', args.to);
    set('cash', num('cash', args.cash));
    set('fee', num('fee', args.fee));
    set('makerFee', num('maker-fee', args['maker-fee']));
    set('takerFee', num('taker-fee', args['taker-fee']));
    set('fixedFee', num('fixed-fee', args['fixed-fee']));
    set('slippageBps', num('slippage-bps', args['slippage-bps']));
    set('slippageRange', num('slippage-range', args['slippage-range']));
    set('volumeCap', num('volume-cap', args['volume-cap']));
    set('leverage', num('leverage', args.leverage));
    set('allowShort', args.short);
    set('intrabar', args.intrabar);
    set('intrabarTimeframe', args['intrabar-timeframe']);
    const m = { amountStep: args['amount-step'], priceStep: args['price-step'], minAmount: args['min-amount'], minNotional: args['min-notional'] };
    if (Object.values(m).some((v) => v !== undefined)) base.market = { ...(base.market as object | undefined), ...Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) };
    if (Object.keys(flagParams).length) base.params = { ...(base.params as object | undefined), ...flagParams };
    for (const k of ['strategy', 'instrument', 'timeframe'] as const) {
      if (base[k] === undefined) throw new UserError(`backtest: --${k} is required (or give a spec file: candlekeep backtest backtests/<name>.json)`);
    }
    base.cash ??= config.backtest.cash;
    base.fee ??= config.backtest.feeRate;
    const spec = parseBacktestSpec(base, args.spec ? `backtest spec "${args.spec}" (with flags)` : 'backtest flags');
    const r = await backtestFromStore(spec, {
      home,
      resultsDir: config.backtest.resultsDir,
      html: args.html !== false,
      // The strategy's ctx.log, one line per entry on stderr (stdout stays the report).
      log: (e) => warn(`${isoUtc(e.time)} ${e.level} ${e.msg}${e.fields ? ' ' + JSON.stringify(e.fields) : ''}`),
    });
    if (args.json) process.stdout.write(r.jsonBytes.at(-1) === 0x0a ? r.jsonBytes : Buffer.concat([r.jsonBytes, Buffer.from('\n')]));
    else printLine(r.summary);
    if (r.outcome.stoppedEarly) {
      if (!args.json) warn(`results written to ${r.dir} are PARTIAL`);
      throw new UserError(`${r.outcome.stoppedEarly.reason} (partial results in ${r.dir})`);
    }
  },
});
