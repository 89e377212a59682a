import type { EpochMs } from '../domain/index.js';

/** Where time comes from. The core never calls Date.now(): a backtest uses a simulated clock. */
export interface Clock {
  now(): EpochMs;
}
