export * from './errors.js';
export * from './time.js';
export * from './instrument.js';
export * from './bar.js';
export type * from './backtest-result.js';
