/** Composition roots: the only place that knows the concrete adapters. */
export * from './run-backtest.js';
export * from './load-strategy.js';
export * from './backtest-spec.js';
export * from './backtest-from-store.js';
export * from './new-strategy.js';
export * from './demo.js';
