import fs from 'node:fs';
import { z } from '../vendor/zod.js';
import { UserError } from '../domain/index.js';

const num = z.number().refine(Number.isFinite, 'must be a finite number');

/**
 * A backtest as data (`backtests/<name>.json`, or built from `candlekeep backtest` flags).
 * Times are ISO-8601 UTC or epoch ms; `params` values are typed (or strings, parsed like --param).
 */
export const BacktestSpecSchema = z
  .object({
    strategy: z.string().min(1),
    instrument: z.string().min(1),
    timeframe: z.string().min(1),
    from: z.string().optional(),
    to: z.string().optional(),
    cash: num.positive().optional(),
    fee: num.min(0).max(0.1).optional(),
    makerFee: num.min(0).max(0.1).optional(),
    takerFee: num.min(0).max(0.1).optional(),
    fixedFee: num.min(0).optional(),
    slippageBps: num.min(0).max(10_000).optional(),
    slippageRange: num.min(0).max(1).optional(),
    volumeCap: num.gt(0).max(1).optional(),
    leverage: num.positive().max(125).optional(),
    allowShort: z.boolean().optional(),
    intrabar: z.enum(['pessimistic', 'optimistic']).optional(),
    /** Stored finer bars (e.g. "1m") that decide bars where a stop-loss and a take-profit both traded. */
    intrabarTimeframe: z.string().min(1).optional(),
    market: z
      .object({ amountStep: num.min(0).default(0), priceStep: num.min(0).default(0), minAmount: num.min(0).default(0), minNotional: num.min(0).default(0) })
      .strict()
      .optional(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  })
  .strict();

export type BacktestSpec = z.infer<typeof BacktestSpecSchema>;

/** Validates a spec object; the message names the file (or "flags") and the field. */
export function parseBacktestSpec(raw: unknown, where: string): BacktestSpec {
  const r = BacktestSpecSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UserError(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

export function readBacktestSpec(file: string): BacktestSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read backtest spec "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`backtest spec "${file}" is not valid JSON: ${(e as Error).message}`);
  }
  return parseBacktestSpec(raw, `backtest spec "${file}"`);
}
