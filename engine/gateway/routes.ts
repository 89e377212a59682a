import type { Scope } from '../ports/index.js';

export type RouteName =
  | 'orders.create' | 'orders.list' | 'orders.cancel' | 'positions' | 'balances'
  | 'commands.pause' | 'commands.resume' | 'commands.flatten' | 'audit.read';

export type RouteDef = { readonly name: RouteName; readonly method: string; readonly pattern: RegExp; readonly scope: Scope };

/** The signed routes and the scope each requires (SIGNING.md 6.5). `trade` does not imply `read`. */
export const ROUTES: readonly RouteDef[] = [
  { name: 'orders.create', method: 'POST', pattern: /^\/v1\/orders$/, scope: 'trade' },
  { name: 'orders.list', method: 'GET', pattern: /^\/v1\/orders$/, scope: 'read' },
  { name: 'orders.cancel', method: 'DELETE', pattern: /^\/v1\/orders\/([A-Za-z0-9_.%:-]{1,128})$/, scope: 'trade' },
  { name: 'positions', method: 'GET', pattern: /^\/v1\/positions$/, scope: 'read' },
  { name: 'balances', method: 'GET', pattern: /^\/v1\/balances$/, scope: 'read' },
  { name: 'commands.pause', method: 'POST', pattern: /^\/v1\/commands\/pause$/, scope: 'trade' },
  { name: 'commands.resume', method: 'POST', pattern: /^\/v1\/commands\/resume$/, scope: 'trade' },
  { name: 'commands.flatten', method: 'POST', pattern: /^\/v1\/commands\/flatten$/, scope: 'trade' },
  { name: 'audit.read', method: 'GET', pattern: /^\/v1\/audit$/, scope: 'read' },
];

export type RouteMatch =
  | { readonly kind: 'ok'; readonly route: RouteDef; readonly params: readonly string[] }
  | { readonly kind: 'method'; readonly allow: string }
  | { readonly kind: 'none' };

/** Matches the raw path (no decoding, no normalisation: `/v1//orders` is not `/v1/orders`). */
export function matchRoute(method: string, path: string): RouteMatch {
  const allow: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method === method) return { kind: 'ok', route: r, params: m.slice(1) };
    allow.push(r.method);
  }
  return allow.length ? { kind: 'method', allow: allow.join(', ') } : { kind: 'none' };
}
