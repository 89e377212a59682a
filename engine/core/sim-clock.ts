import type { EpochMs } from '../domain/index.js';
import type { Clock } from '../ports/index.js';

/** A clock a driver sets: the backtest driver moves it to each bar's close time. */
export class SimClock implements Clock {
  time: EpochMs = 0;
  now(): EpochMs {
    return this.time;
  }
}
