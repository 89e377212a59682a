import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { TvRoute, TvStore, TvToken } from './security-types.js';

type RouteRow = { route_id: string; principal: string; symbols: string; max_notional: number; status: 'active' | 'disabled'; created_at: number };
type TokenRow = { route_id: string; token_sha256: Buffer; created_at: number; status: 'active' | 'retired' };
const toRoute = (r: RouteRow): TvRoute => ({
  routeId: r.route_id, principal: r.principal, symbols: r.symbols.split(',').filter(Boolean), maxNotional: r.max_notional,
  status: r.status, createdAt: r.created_at,
});

/** TradingView routes, token hashes (two active per route) and the 24 h de-duplication table (SIGNING.md 6.8). */
export class SqliteTvStore implements TvStore {
  readonly #getRoute: Statement;
  readonly #listRoutes: Statement;
  readonly #upsertRoute: Statement;
  readonly #tokens: Statement;
  readonly #addToken: Statement;
  readonly #retireOld: Statement;
  readonly #dedupe: Statement;
  readonly #purge: Statement;
  constructor(private readonly db: Db) {
    this.#getRoute = db.prepare('SELECT * FROM tv_routes WHERE route_id = ?');
    this.#listRoutes = db.prepare('SELECT * FROM tv_routes ORDER BY route_id');
    this.#upsertRoute = db.prepare(`INSERT INTO tv_routes (route_id, principal, symbols, max_notional, status, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(route_id) DO UPDATE SET symbols = excluded.symbols, max_notional = excluded.max_notional, status = excluded.status`);
    this.#tokens = db.prepare("SELECT * FROM tv_tokens WHERE route_id = ? AND status = 'active' ORDER BY created_at DESC");
    this.#addToken = db.prepare('INSERT INTO tv_tokens (route_id, token_sha256, created_at, status) VALUES (?, ?, ?, ?)');
    this.#retireOld = db.prepare(`UPDATE tv_tokens SET status = 'retired' WHERE route_id = ? AND status = 'active' AND token_sha256 NOT IN
      (SELECT token_sha256 FROM tv_tokens WHERE route_id = ? AND status = 'active' ORDER BY created_at DESC, rowid DESC LIMIT 2)`);
    this.#dedupe = db.prepare('INSERT OR IGNORE INTO tv_dedupe (dedupe_key, expires_at) VALUES (?, ?)');
    this.#purge = db.prepare('DELETE FROM tv_dedupe WHERE expires_at < ?');
  }
  getRoute(routeId: string): TvRoute | undefined {
    const r = this.#getRoute.get(routeId) as RouteRow | undefined;
    return r ? toRoute(r) : undefined;
  }
  listRoutes(): TvRoute[] {
    return (this.#listRoutes.all() as RouteRow[]).map(toRoute);
  }
  upsertRoute(r: TvRoute): void {
    this.#upsertRoute.run(r.routeId, r.principal, r.symbols.join(','), r.maxNotional, r.status, r.createdAt);
  }
  activeTokens(routeId: string): TvToken[] {
    return (this.#tokens.all(routeId) as TokenRow[]).map((t) => ({ routeId: t.route_id, tokenSha256: t.token_sha256, createdAt: t.created_at, status: t.status }));
  }
  addToken(t: TvToken): void {
    this.db.transaction(() => {
      this.#addToken.run(t.routeId, t.tokenSha256, t.createdAt, t.status);
      this.#retireOld.run(t.routeId, t.routeId);
    })();
  }
  insertDedupe(key: string, expiresAt: number): boolean {
    return this.#dedupe.run(key, expiresAt).changes === 1;
  }
  purgeDedupe(now: number): number {
    return this.#purge.run(now).changes;
  }
}
