/**
 * Streaming indicators for strategies: `ctx.indicator(sma(10))`.
 * Every kernel implements the Indicator contract (engine/api/indicator.ts), is O(1) per bar
 * (CCI: O(period), see its doc) and matches TA-Lib after the warm-up stated on its class —
 * proven by test/golden/indicators.test.ts.
 */
export { sma, ema, wma, Sma, Ema, Wma } from './moving-averages.js';
export { rsi, Rsi } from './rsi.js';
export { macd, Macd } from './macd.js';
export { bollinger, stddev, atr, trueRange, Bollinger, StdDev, Atr } from './volatility.js';
export { donchian, highest, lowest, Donchian, Highest, Lowest } from './channels.js';
export { OutputSeries, PRICE_SOURCES, MAX_PERIOD, type MultiOutput } from './base.js';
export { crossedAbove, crossedBelow } from '../series.js';
export { stochastic, williamsR, cci, roc, Stochastic, WilliamsR, Cci, Roc } from './oscillators.js';
export { mfi, obv, ad, Mfi, Obv, Ad } from './volume.js';
export { adx, Adx } from './directional.js';
export { computeSeries, computeOutputs, outputNames, type IndicatorSource } from './compute-series.js';
export { ta, catalogue, LibraryIndicator, type CatalogueName, type CatalogueIndicator, type CoreIndicatorName, type LibraryIndicatorName } from './catalogue.js';
