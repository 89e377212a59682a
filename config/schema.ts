import { z } from '../engine/vendor/zod.js';

/**
 * The whole Candlekeep configuration. Every section has defaults, so an empty file is valid.
 * Secrets never live here (exchange keys: `candlekeep keys exchange add`; API keys: `candlekeep keys create`).
 * Sections are owned by the part of the engine that reads them.
 */
export const ConfigSchema = z
  .object({
    backtest: z
      .object({
        cash: z.number().positive().default(10_000),
        feeRate: z.number().min(0).max(0.1).default(0.001),
        resultsDir: z.string().default('backtests/results'),
      })
      .strict()
      .default({ cash: 10_000, feeRate: 0.001, resultsDir: 'backtests/results' }),
    data: z
      .object({
        /** Max ratio of problem bars (see `data check`) before the command exits 1. */
        checkThreshold: z.number().min(0).max(1).default(0),
        /** Base URL that replaces every ccxt API URL for `data fetch` (e.g. the local exchange). */
        exchangeUrl: z.string().url().optional(),
      })
      .strict()
      .default({ checkThreshold: 0 }),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** Paper and live sessions (engine/brokers/ccxt, engine/core/risk). Exchange keys never live here. */
    live: z
      .object({
        account: z.string().regex(/^[a-z0-9_:-]{1,64}$/).default('main'),
        /** SIGNING.md A3: Binance's advice; never raised to hide clock problems. */
        recvWindowMs: z.number().int().min(1000).max(60_000, { message: 'must be at most 60000 ms (Binance rejects more; a bigger window never fixes a fast clock)' }).default(5000),
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        timeSyncIntervalMs: z.number().int().min(1000).default(300_000),
        safetyMarginMs: z.number().int().min(0).max(1000).default(200),
        /** Must stay false while real keys are loaded (A1). */
        verbose: z.boolean().default(false),
        /** Replaces `--confirm-live`. */
        confirmLive: z.boolean().default(false),
        /** Points a live session at another Binance-compatible base URL (the local exchange). */
        exchangeUrl: z.string().url().optional(),
        /** How long the previous exchange key stays usable after `keys exchange add` rotates it. */
        keyOverlapMs: z.number().int().min(0).default(86_400_000),
        risk: z
          .object({
            maxPositionNotional: z.number().positive().optional(),
            maxTotalExposure: z.number().positive().optional(),
            maxOpenOrders: z.number().int().positive().optional(),
            maxDailyLoss: z.number().positive().optional(),
            maxDrawdownPct: z.number().positive().max(1).optional(),
            cooldownAfterLosses: z.number().int().positive().optional(),
            cooldownMs: z.number().int().positive().default(3_600_000),
          })
          .strict()
          .default({ cooldownMs: 3_600_000 }),
      })
      .strict()
      .default({ account: 'main', recvWindowMs: 5000, timeoutMs: 10_000, timeSyncIntervalMs: 300_000, safetyMarginMs: 200, verbose: false, confirmLive: false, keyOverlapMs: 86_400_000, risk: { cooldownMs: 3_600_000 } }),
    /** The signed order gateway (`candlekeep serve`); validated by its own schema in engine/gateway/config.ts. */
    gateway: z.unknown().optional(),
  })
  // A misspelled section is an error, not silently ignored.
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

/** Identity helper for typed config files written in TypeScript. */
export function defineConfig(c: z.input<typeof ConfigSchema>): z.input<typeof ConfigSchema> {
  return c;
}
