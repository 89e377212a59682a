import type { Exchange, Order } from 'ccxt';

/** ccxt's module, loaded lazily (never at CLI start-up or on the backtest path). */
export type CcxtModule = typeof import('ccxt');
export type CcxtExchange = Exchange;
export type CcxtOrder = Order;

let mod: Promise<CcxtModule> | undefined;
export function loadCcxt(): Promise<CcxtModule> {
  mod ??= import('ccxt').then((m) => ((m as unknown as { default?: CcxtModule }).default ?? m) as CcxtModule);
  return mod;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
