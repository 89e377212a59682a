import crypto from 'node:crypto';
import type { EpochMs } from '../domain/index.js';
import type { TvRoute } from '../ports/index.js';
import { BODY_LIMIT_BYTES } from './config.js';
import { SYMBOL_RE, storedOrderJson, toIntakeOrder, type OrderFields } from './order-body.js';
import { readBody, send, type Gateway, type RequestCtx, type TxResult } from './server.js';

export const TV_ROUTE_ID_RE = /^[a-z0-9_-]{1,64}$/;
export const TV_DEDUPE_TTL_MS = 24 * 3_600_000;
const DUMMY_HASH = crypto.createHash('sha256').update('no-token').digest();

/** Issues a route token: `ckt_` + base64url(32 random bytes) (≥ 128 bits). Only its sha256 is stored. */
export function generateTvToken(): string {
  return 'ckt_' + crypto.randomBytes(32).toString('base64url');
}
export function tvTokenHash(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The alert body a TradingView alert message must hold (JSON, sent as text/plain or application/json):
 * {"token":"ckt_…","sent":"{{timenow}}","ticker":"{{ticker}}","interval":"{{interval}}","time":"{{time}}",
 *  "orderId":"{{strategy.order.id}}","action":"{{strategy.order.action}}","contracts":"{{strategy.order.contracts}}",
 *  "price":"{{strategy.order.price}}"}
 * Optional: "symbol" (ccxt symbol, else matched from the ticker against the route's allowlist) and "type" (market|limit).
 */
export type TvAlert = {
  readonly ticker: string; readonly interval: string; readonly time: string; readonly orderId: string;
  readonly action: 'buy' | 'sell'; readonly amount: string; readonly price: string; readonly type: 'market' | 'limit'; readonly symbol: string | undefined;
};

/** sha256(routeId|{{ticker}}|{{interval}}|{{time}}|{{strategy.order.id}}|{{strategy.order.action}}) (6.8). */
export function tvDedupeKey(routeId: string, a: Pick<TvAlert, 'ticker' | 'interval' | 'time' | 'orderId' | 'action'>): string {
  return crypto.createHash('sha256').update([routeId, a.ticker, a.interval, a.time, a.orderId, a.action].join('|'), 'utf8').digest('hex');
}

/** `{{timenow}}` is ISO-8601 UTC (2026-01-01T00:00:00Z); epoch ms is accepted too. */
export function parseTimenow(s: unknown): EpochMs | undefined {
  if (typeof s === 'number' && Number.isFinite(s)) return s;
  if (typeof s !== 'string') return undefined;
  if (/^\d{13}$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

const str = (v: unknown, max = 128): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= max ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
const DEC = /^\d{1,16}(\.\d{1,12})?$/;

function parseAlert(o: Record<string, unknown>): { ok: true; value: TvAlert } | { ok: false; message: string } {
  const ticker = str(o.ticker), interval = str(o.interval, 16), time = str(o.time, 40), orderId = str(o.orderId) ?? '';
  if (!ticker) return { ok: false, message: 'ticker: required ({{ticker}})' };
  if (!interval) return { ok: false, message: 'interval: required ({{interval}})' };
  if (!time) return { ok: false, message: 'time: required ({{time}})' };
  const action = typeof o.action === 'string' ? o.action.toLowerCase() : '';
  if (action !== 'buy' && action !== 'sell') return { ok: false, message: `action: ${JSON.stringify(o.action)} must be buy or sell ({{strategy.order.action}})` };
  const amount = str(o.contracts, 32);
  if (!amount || !DEC.test(amount) || Number(amount) <= 0) return { ok: false, message: `contracts: ${JSON.stringify(o.contracts)} must be a positive number ({{strategy.order.contracts}})` };
  const price = str(o.price, 32);
  if (!price || !DEC.test(price) || Number(price) <= 0) return { ok: false, message: `price: ${JSON.stringify(o.price)} must be a positive number ({{strategy.order.price}})` };
  const type = o.type === undefined ? 'market' : o.type;
  if (type !== 'market' && type !== 'limit') return { ok: false, message: `type: ${JSON.stringify(o.type)} must be market or limit` };
  const symbol = o.symbol === undefined ? undefined : str(o.symbol, 64);
  if (o.symbol !== undefined && (!symbol || !SYMBOL_RE.test(symbol))) return { ok: false, message: `symbol: ${JSON.stringify(o.symbol)} is not a ccxt symbol like BTC/USDT` };
  return { ok: true, value: { ticker, interval, time, orderId, action, amount, price, type, symbol } };
}

/** The route's allowlisted symbol for an alert: the explicit symbol, or the ticker (BINANCE:BTCUSDT ≈ BTC/USDT). */
function resolveSymbol(route: TvRoute, a: TvAlert): string | undefined {
  if (a.symbol !== undefined) return route.symbols.includes(a.symbol) ? a.symbol : undefined;
  const t = a.ticker.includes(':') ? a.ticker.slice(a.ticker.indexOf(':') + 1) : a.ticker;
  const norm = (s: string) => s.replace(/[/:._-]/g, '').toUpperCase();
  return route.symbols.find((s) => norm(s) === norm(t) || norm(s.split(':')[0]!) === norm(t));
}

/**
 * POST /v1/tv/{routeId} (SIGNING.md 6.8): lower trust, scope `signal` only. Token by sha256 + timingSafeEqual
 * (two active per route), freshness ±tvSkewMs on `sent`, 24 h de-duplication, per-route symbol allowlist and
 * max notional. The reply comes after the intent is persisted and before any exchange I/O.
 */
export async function handleTradingView(gw: Gateway, ctx: RequestCtx, routeId: string): Promise<void> {
  if (ctx.method !== 'POST') return gw.reject(ctx, { status: 405, body: { error: 'method_not_allowed' }, headers: { allow: 'POST' } }, 'method_not_allowed');
  const allow = gw.config.tvIpAllowlist;
  if (allow !== undefined) {
    const source = alertSource(ctx.remote, ctx.req.headers['x-forwarded-for'], gw.config.trustedProxies);
    const allowed = allow === 'tradingview' ? TRADINGVIEW_WEBHOOK_IPS : allow;
    if (!allowed.includes(source)) {
      return gw.reject(ctx, { status: 403, body: { error: 'forbidden', reason: 'source_not_allowed' } }, 'source_not_allowed', { source: source.slice(0, 64) });
    }
  }
  const ct = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== '' && ct !== 'text/plain' && ct !== 'application/json') {
    return gw.reject(ctx, { status: 415, body: { error: 'unsupported_media_type' } }, 'unsupported_media_type', { contentType: ct.slice(0, 64) });
  }
  const body = await readBody(ctx.req, BODY_LIMIT_BYTES);
  if (!body.ok && body.aborted) return;
  if (!body.ok) return gw.reject(ctx, { status: 413, body: { error: 'body_too_large' }, close: true }, 'body_too_large');
  ctx.bodySha256 = body.sha256;
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(body.body.toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    o = v as Record<string, unknown>;
  } catch {
    return gw.reject(ctx, { status: 400, body: { error: 'invalid_body', message: 'the alert message must be a JSON object' } }, 'invalid_body');
  }
  const now = ctx.now;
  // Token: compared by hash in constant time against two slots, whether or not the route exists.
  const route = TV_ROUTE_ID_RE.test(routeId) ? gw.store.tv.getRoute(routeId) : undefined;
  const tokens = route?.status === 'active' ? gw.store.tv.activeTokens(routeId) : [];
  const given = tvTokenHash(typeof o.token === 'string' ? o.token : '');
  let tokenOk = false;
  for (let i = 0; i < 2; i++) {
    const eq = crypto.timingSafeEqual(tokens[i]?.tokenSha256 ?? DUMMY_HASH, given);
    if (eq && tokens[i]) tokenOk = true;
  }
  ctx.principal = route ? `tv:${route.routeId}` : null;
  if (!route || !tokenOk) {
    return gw.reject(ctx, { status: 401, body: { error: 'unauthorized', reason: 'invalid_credentials' } }, !route ? 'unknown_route' : 'bad_token', { routeId: routeId.slice(0, 64) });
  }
  const sent = parseTimenow(o.sent);
  if (sent === undefined || Math.abs(now - sent) > gw.config.tvSkewMs) {
    return gw.reject(
      ctx,
      { status: 401, body: { error: 'unauthorized', reason: 'timestamp_out_of_window', serverTime: now } },
      sent === undefined ? 'bad_timenow' : sent < now ? 'stale_timenow' : 'future_timenow',
      { sent: typeof o.sent === 'string' ? o.sent.slice(0, 40) : null },
    );
  }
  const parsed = parseAlert(o);
  if (!parsed.ok) return gw.reject(ctx, { status: 400, body: { error: 'invalid_body', message: parsed.message } }, 'invalid_body', { message: parsed.message });
  const a = parsed.value;
  const symbol = resolveSymbol(route, a);
  if (!symbol) return gw.reject(ctx, { status: 403, body: { error: 'symbol_not_allowed' } }, 'symbol_not_allowed', { ticker: a.ticker.slice(0, 64) });
  const notional = Number(a.amount) * Number(a.price);
  if (notional > route.maxNotional) {
    return gw.reject(ctx, { status: 403, body: { error: 'max_notional_exceeded' } }, 'max_notional_exceeded', { notional, max: route.maxNotional });
  }
  const dedupe = tvDedupeKey(routeId, a);
  const principal = `tv:${routeId}`;
  const fields: OrderFields = { intentId: `tv:${dedupe}`, symbol, side: a.action, type: a.type, amount: a.amount, price: a.type === 'limit' ? a.price : a.price };
  gw.commit<TxResult>({
    run: () => {
      // The dedupe key feeds the intent id, so a replayed alert maps to the same client order id.
      if (!gw.store.tv.insertDedupe(dedupe, now + TV_DEDUPE_TTL_MS) || gw.store.intents.get(principal, fields.intentId)) {
        gw.audit(ctx, 'request.accepted', 'accepted', 'duplicate_alert', { routeId, dedupe: dedupe.slice(0, 16) });
        return { status: 200, body: { duplicate: true } };
      }
      const order = toIntakeOrder(principal, 'tradingview', fields, now);
      const response = { intentId: fields.intentId, clientOrderId: order.clientOrderId, status: 'accepted', receivedAt: now };
      gw.store.intents.insert({
        principal, intentId: fields.intentId, bodySha256: body.sha256, clientOrderId: order.clientOrderId, source: 'tradingview',
        order: storedOrderJson(fields), response: JSON.stringify(response), createdAt: now, handedOff: false,
      });
      gw.audit(ctx, 'order.submitted', 'accepted', null, { routeId, clientOrderId: order.clientOrderId });
      return { status: 200, body: { ...response, duplicate: false }, handoff: order };
    },
    done: (r) => {
      if (!r.ok) return send(ctx.res, { status: 500, body: { error: 'internal' } });
      const v = r.value as TxResult;
      if (v.handoff) gw.outbox.handoff(v.handoff);
      send(ctx.res, v);
    },
  });
}

/** TradingView's documented webhook source addresses (its "Webhooks" help page). */
export const TRADINGVIEW_WEBHOOK_IPS: readonly string[] = ['52.89.214.238', '34.212.75.30', '54.218.53.128', '52.32.178.7'];

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses as they are. */
function plainAddress(a: string): string {
  const t = a.trim();
  return t.startsWith('::ffff:') && t.includes('.') ? t.slice(7) : t;
}

/**
 * The address an alert comes from: the peer's own, or — when the peer is a trusted proxy — the right-most
 * address of `X-Forwarded-For` (the one that proxy appended; anything left of it is the caller's claim).
 */
export function alertSource(peer: string, forwardedFor: string | string[] | undefined, trustedProxies: readonly string[]): string {
  const p = plainAddress(peer);
  if (!trustedProxies.map(plainAddress).includes(p)) return p;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor ?? '';
  const hops = header.split(',').map((x) => x.trim()).filter((x) => x !== '');
  return hops.length ? plainAddress(hops[hops.length - 1]!) : p;
}
