import { z } from '../vendor/zod.js';
import { METRIC_KEYS } from './metrics.js';
import { REPORT_SCHEMA_ID } from './report-schema.js';

// The zod schema of report.json. Loaded lazily (zod is slow to import) only when a report is read back.

const num = z.number();
const jsonObject = z.record(z.string(), z.unknown());

// A metric added after a report was written reads back as null (undefined), so older v1 reports stay readable.
const metricsShape = Object.fromEntries(METRIC_KEYS.map((k) => [k, num.nullable().default(null)])) as Record<
  (typeof METRIC_KEYS)[number],
  z.ZodDefault<z.ZodNullable<z.ZodNumber>>
>;

/** Validates a report.json read from disk (outside input). */
export const ReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA_ID),
  runId: z.string().min(1),
  kind: z.literal('backtest'),
  engine: z.object({ name: z.literal('candlekeep'), version: z.string() }),
  strategy: z.object({ id: z.string(), version: num, ref: z.string(), params: z.record(z.string(), z.union([num, z.string(), z.boolean()])) }),
  spec: jsonObject,
  cash: num,
  feeRate: num,
  fillAssumptions: jsonObject,
  data: z.array(
    z.object({ instrument: z.string(), timeframe: z.string(), from: num, to: num, count: num, hash: z.string(), synthetic: z.boolean() }),
  ),
  synthetic: z.boolean(),
  benchmark: z.object({ instrument: z.string(), firstOpen: num, lastClose: num }),
  conventions: z.object({ annualTradingDays: num, returnsResampledTo: z.literal('1d UTC'), riskFreeRate: num, fractions: z.string() }),
  partial: z.object({ reason: z.string(), at: num }).nullable(),
  metrics: z.object(metricsShape),
  counters: z.object({ ordersSubmitted: num, fills: num, rejectedOrders: num, ambiguousFills: num, resolvedIntrabarFills: num.optional(), feesPaid: num }),
  openPositions: z.array(z.object({ instrument: z.string(), size: num, entryPrice: num, entryTime: num })),
  trades: z.array(
    z.object({
      instrument: z.string(),
      direction: z.enum(['long', 'short']),
      size: num,
      entryTime: num,
      entryPrice: num,
      exitTime: num,
      exitPrice: num,
      fees: num,
      pnl: num,
      returnFrac: num,
      entryOrderId: z.string(),
      exitOrderId: z.string(),
      exitReason: z.string(),
    }),
  ),
  equity: z.object({
    sampling: z.enum(['full', 'last-min-max']),
    sourcePoints: num,
    maxPoints: num,
    bucketSize: num,
    time: z.array(num),
    equity: z.array(num),
  }),
});
