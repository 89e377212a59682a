/**
 * THE strategy API. Strategies import only from here:
 * `import { defineStrategy, int, sma, crossedAbove } from '../engine/api/index.js'`.
 */
export { defineStrategy } from './strategy.js';
export type { StrategyDef, AnyStrategy, Context, PositionView, StrategyLog, LogFields, Subscription, SeriesRef } from './strategy.js';
export { int, float, bool, choice, check as checkParam, parseParamText, resolveParams, enumerateParam } from './params.js';
export type { ParamDecl, ParamDecls, ParamValue, ParamValues, NumberBounds } from './params.js';
export type { Indicator, Series, PriceSource } from './indicator.js';
export * from './indicators/index.js';
export type { Bar, EpochMs, InstrumentId, Timeframe } from '../domain/index.js';
export type { OrderSpec, SizeSpec, Side, OrderType, TimeInForce, Trail, Order, OrderUpdate, OrderStatus, Fill, OrderChanges, OrderRole } from '../ports/index.js';
