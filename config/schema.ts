import { z } from 'zod';

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
      })
      .strict()
      .default({ checkThreshold: 0 }),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .passthrough();

export type Config = z.infer<typeof ConfigSchema>;

/** Identity helper for typed config files written in TypeScript. */
export function defineConfig(c: z.input<typeof ConfigSchema>): z.input<typeof ConfigSchema> {
  return c;
}
