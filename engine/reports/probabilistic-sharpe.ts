/**
 * Probabilistic Sharpe Ratio of the daily returns against SR* = 0 — the probability that the true Sharpe ratio
 * is positive. Formula and conventions: engine/stats/sharpe.ts (Bailey & López de Prado, 2012).
 */
export { probabilisticSharpeOfReturns as probabilisticSharpe } from '../stats/sharpe.js';
