import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../domain/index.js';
import { DEFAULT_STRATEGY_DIRS } from './load-strategy.js';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The commented template `candlekeep new strategy <name>` writes. */
export function strategyTemplate(id: string): string {
  return `import { crossedAbove, crossedBelow, defineStrategy, float, int, sma } from '../engine/api/index.js';

/**
 * ${id}: describe the idea in one or two sentences.
 *
 * Run it:   candlekeep backtest --strategy ${id} --instrument binance:BTC/USDT --timeframe 1h --param fast=10
 * Rules of the engine:
 * - onBar runs at each bar's close; a market order submitted here fills at the NEXT bar's open.
 * - submit() returns a client order id at once; fills and rejections arrive in onFill / onOrderUpdate.
 * - Handlers are synchronous and do no I/O; keep per-run state in what init returns.
 */
export default defineStrategy({
  id: '${id}',
  version: 1,
  describe: 'what this strategy does',
  // Declared params: type, default and bounds. The bounds validate --param values and drive optimisation.
  params: {
    fast: int(10, { min: 2, max: 100, step: 1, describe: 'fast SMA period (bars)' }),
    slow: int(30, { min: 3, max: 400, step: 1, describe: 'slow SMA period (bars)' }),
    fraction: float(0.95, { min: 0.01, max: 1, step: 0.05, describe: 'fraction of equity per entry' }),
  },
  // Reject bad combinations with a message naming the params.
  validate: (p) => (p.fast >= p.slow ? \`param "fast" (\${p.fast}) must be below param "slow" (\${p.slow})\` : undefined),
  // Other series: e.g. [{ timeframe: '1d' }] for a daily filter (a daily bar is visible only once it has closed).
  subscriptions: [],
  // Register indicators here; the engine feeds them before every onBar and waits until they are ready.
  init: (ctx) => ({
    fast: ctx.indicator(sma(ctx.params.fast)),
    slow: ctx.indicator(sma(ctx.params.slow)),
  }),
  onBar(_bar, s, ctx) {
    const pos = ctx.position();
    if (pos.isFlat && crossedAbove(s.fast, s.slow)) {
      // Sizes: { units }, { quote }, { equityFraction }, { risk } (with stopLoss), { closeAll: true }.
      ctx.submit({ type: 'market', side: 'buy', size: { equityFraction: ctx.params.fraction } });
    } else if (pos.isLong && crossedBelow(s.fast, s.slow)) {
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
  // Optional: onFill(fill, s, ctx), onOrderUpdate(update, s, ctx), onStop(s, ctx).
});
`;
}

/** Writes `<dir>/<name>.ts` from the template; refuses to overwrite unless `force`. Returns the path. */
export function newStrategy(name: string, opts: { dir?: string; force?: boolean } = {}): string {
  if (!NAME.test(name)) throw new UserError(`strategy name "${name}" must be kebab-case: lower-case letters and digits separated by "-", e.g. my-breakout`);
  const dir = path.resolve(opts.dir ?? DEFAULT_STRATEGY_DIRS.source);
  const file = path.join(dir, `${name}.ts`);
  if (fs.existsSync(file) && !opts.force) throw new UserError(`"${file}" already exists; choose another name or pass --force to overwrite it`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, strategyTemplate(name));
  } catch (e) {
    throw new UserError(`cannot write "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return file;
}
