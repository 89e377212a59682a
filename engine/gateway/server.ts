import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EpochMs } from '../domain/index.js';
import type { AuditEvent, AuditInput, Clock, IntakeOrder, IntakeOrderStatus, OrderIntake, SecurityStore, Scope, ApiKeyRecord } from '../ports/index.js';
import { EMPTY_BODY_SHA256, KEY_ID_RE, NONCE_RE, SIGNATURE_RE, TIMESTAMP_RE, canonicalString, sha256Hex } from '../signing/canonical.js';
import { Keyring, hasScope, keyValidity } from '../signing/keyring.js';
import type { SecretBox } from '../signing/secret-box.js';
import { BODY_LIMIT_BYTES, type GatewayConfig } from './config.js';
import { RateLimiter } from './rate-limit.js';
import { FloodControl } from './flood-control.js';
import { ClockGuard } from './clock-guard.js';
import { CommitQueue, type CommitItem } from './commit-queue.js';
import { Outbox } from './outbox.js';
import { parseOrderBody, storedOrderJson, toIntakeOrder } from './order-body.js';
import { handleTradingView } from './tradingview.js';
import { matchRoute, type RouteDef } from './routes.js';

export type GatewayOptions = {
  readonly store: SecurityStore;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly intake: OrderIntake;
  readonly config: GatewayConfig;
  readonly log?: (msg: string) => void;
  /**
   * Set when the store's COMMIT does not wait for the disk itself (data/store/security-wal-sync.ts): resolves once
   * everything committed so far is on disk. Replies wait for it, so nothing is acknowledged before it is durable.
   */
  readonly durable?: () => Promise<void>;
  /** A promise while commits must wait (a WAL checkpoint barrier, see WalSync.holding). */
  readonly hold?: () => Promise<void> | undefined;
  /** Group commit: under load, start a batch at most every this many ms (default 0: every event-loop turn). */
  readonly commitIntervalMs?: number;
};

/** A reply: status, JSON body, extra headers. */
export type Reply = { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string>; readonly close?: boolean };

/** What the in-transaction part of a request produced. */
export type TxResult = Reply & { readonly after?: () => Promise<Reply>; readonly handoff?: IntakeOrder };

/** Request facts shared by every step (all strings exactly as received). */
export type RequestCtx = {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly method: string;
  readonly target: string;
  readonly path: string;
  readonly query: string;
  readonly remote: string;
  readonly now: EpochMs;
  bodySha256: string | null;
  keyId: string | null;
  principal: string | null;
  sigPrefix: string | null;
};

/** A secret nobody holds, so unknown/revoked/expired keys cost the same HMAC as real ones (6.3 step 3). */
const DUMMY_SECRET = 'cks_' + crypto.randomBytes(32).toString('base64url');
/** Replies every flood of bad requests gets; frozen, so `send` serialises each of them once. */
const INVALID_CREDENTIALS: Reply = Object.freeze({ status: 401, body: Object.freeze({ error: 'unauthorized', reason: 'invalid_credentials' }) });
const MALFORMED_AUTH: Reply = Object.freeze({ status: 400, body: Object.freeze({ error: 'malformed_auth' }) });
/** A request without Content-Length and Transfer-Encoding (or with Content-Length: 0) has no body (RFC 9112 6.3). */
const EMPTY_BODY: BodyRead = Object.freeze({ ok: true, body: Buffer.alloc(0), sha256: EMPTY_BODY_SHA256 });
const ORDER_STATUSES = new Set<string>(['accepted', 'open', 'filled', 'canceled', 'rejected', 'unknown'] satisfies IntakeOrderStatus[]);

/**
 * The signed order/command gateway (SIGNING.md part (b)) on node:http. Verification order is 6.3:
 * headers → body limit (while streaming) → key lookup (dummy secret when unusable) → timestamp window →
 * HMAC (timingSafeEqual) → [rate limit] → nonce insert → scope → business idempotency → audit, the last four in one
 * SQLite transaction (shared by concurrent requests through group commit; no reply before commit).
 */
export class Gateway {
  readonly server: http.Server;
  readonly store: SecurityStore;
  readonly clock: Clock;
  readonly config: GatewayConfig;
  readonly intake: OrderIntake;
  readonly queue: CommitQueue;
  readonly outbox: Outbox;
  readonly flood: FloodControl;
  readonly guard: ClockGuard;
  readonly #box: SecretBox;
  readonly #limiter: RateLimiter;
  readonly #secrets = new Map<string, string>();
  readonly #touched = new Map<string, EpochMs>();
  readonly #keyCache = new Map<string, ApiKeyRecord | null>();
  #keysVersion = '';
  #keysChecked = false;
  readonly #keysUnchecked = (): void => {
    this.#keysChecked = false;
  };
  readonly #log: (msg: string) => void;
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(o: GatewayOptions) {
    this.store = o.store;
    this.clock = o.clock;
    this.config = o.config;
    this.intake = o.intake;
    this.#box = o.box;
    this.#log = o.log ?? (() => {});
    // A wrong master key fails here, at start-up, with a clear message.
    new Keyring(o.store, o.box).checkMasterKey();
    this.#limiter = new RateLimiter(o.config.rateLimitPerKeyPerSec);
    this.flood = new FloodControl(o.config.floodRowsPerMinute);
    this.queue = new CommitQueue(o.store, { durable: o.durable, hold: o.hold, minIntervalMs: o.commitIntervalMs ?? 0 });
    this.outbox = new Outbox(o.store, o.intake, this.queue, this.#log);
    const now = o.clock.now();
    this.guard = new ClockGuard(o.config.pastWindowMs, now);
    this.store.nonces.purge(now);
    this.store.tv.purgeDedupe(now);
    const last = this.store.audit.last();
    this.store.transaction(() => {
      // A clock that is now behind the newest audit row stepped back while we were down.
      if (last && last.at > now + 1000) {
        this.guard.trip(now);
        this.store.audit.append({ at: now, event: 'server.clock_step', outcome: 'rejected', reason: 'backward_step_across_restart', detail: JSON.stringify({ stepMs: last.at - now }) });
        this.#log(`the clock is ${last.at - now} ms behind the newest audit row: refusing signed requests for ${o.config.pastWindowMs} ms`);
      }
      this.store.audit.append({ at: now, event: 'server.started', outcome: 'ok' });
    });
    this.server = http.createServer({ keepAlive: true }, (req, res) => {
      try {
        this.#handle(req, res);
      } catch (e) {
        this.#internal(res, e);
      }
    });
    this.server.keepAliveTimeout = 10_000;
    // Slow senders cannot hold a connection open for long.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 15_000;
  }

  /** Listens (loopback by default) and starts the purge/clock/flood timers. */
  async listen(port = this.config.port, host = this.config.host): Promise<{ host: string; port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.outbox.resubmitPending();
    this.#timers.push(setInterval(() => this.#everyMinute(), 60_000).unref());
    this.#timers.push(setInterval(() => this.#everySecond(), 1000).unref());
    const a = this.server.address() as AddressInfo;
    const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return { host: a.address, port: a.port, url: `http://${shown}:${a.port}` };
  }

  /** Stops accepting, writes pending audit aggregates, commits queued work. Does not close the intake or store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#writeFloodAggregates(true);
    this.queue.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** One tick of the background work (tests call it with a controlled clock). */
  tick(): void {
    this.#everySecond();
  }

  #everyMinute(): void {
    this.purge();
    this.#limiter.prune(this.clock.now());
  }

  /** SIGNING.md 6.4 purge (start-up and every 60 s): `DELETE FROM used_nonces WHERE expires_at < now`, and expired alert dedupe keys. */
  purge(): void {
    const now = this.clock.now();
    this.queue.push({
      run: () => {
        this.store.nonces.purge(now);
        this.store.tv.purgeDedupe(now);
      },
      done: (r) => {
        if (!r.ok) this.#log(`purge failed: ${(r.error as Error).message}`);
      },
    });
  }

  #everySecond(): void {
    const now = this.clock.now();
    this.#observeClock(now);
    this.#writeFloodAggregates(false);
    if (this.outbox.inFlight === 0) this.outbox.resubmitPending();
  }

  #observeClock(now: EpochMs): void {
    const step = this.guard.observe(now);
    if (step !== undefined) {
      this.#log(`the wall clock stepped back by ${step} ms: refusing signed requests for ${this.config.pastWindowMs} ms`);
      this.queue.push({
        run: () => this.store.audit.append({ at: now, event: 'server.clock_step', outcome: 'rejected', reason: 'backward_step', detail: JSON.stringify({ stepMs: step }) }),
        done: () => {},
      });
    }
  }

  #writeFloodAggregates(all: boolean): void {
    const aggs = this.flood.drain(this.clock.now(), all);
    if (aggs.length === 0) return;
    const at = this.clock.now();
    this.queue.push({
      run: () => {
        for (const a of aggs) {
          this.store.audit.append({
            at, event: 'request.rejected', outcome: 'rejected', reason: a.reason, remote: a.remote,
            detail: JSON.stringify({ aggregated: a.suppressed, minute: a.minute }),
          });
        }
      },
      done: () => {},
    });
  }

  /** Steps 1-2 and routing, synchronously; the rest once the body is in (#verify), without a promise per request. */
  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const now = this.clock.now();
    this.#observeClock(now);
    const target = req.url ?? '';
    const method = req.method ?? '';
    const q = target.indexOf('?');
    const ctx: RequestCtx = {
      req, res, method, target, now,
      path: q < 0 ? target : target.slice(0, q),
      query: q < 0 ? '' : target.slice(q + 1),
      remote: req.socket.remoteAddress ?? '',
      bodySha256: null, keyId: null, principal: null, sigPrefix: null,
    };
    // 6.2: only origin-form targets are verified as sent; absolute-form, asterisk-form and fragments are refused.
    if (!target.startsWith('/') || target.includes('#')) {
      return this.reject(ctx, { status: 400, body: { error: 'invalid_request_target' }, close: true }, 'invalid_request_target');
    }
    if (ctx.path === '/v1/time') {
      if (method !== 'GET') return this.reject(ctx, { status: 405, body: { error: 'method_not_allowed' }, headers: { allow: 'GET' } }, 'method_not_allowed');
      req.resume();
      return send(res, { status: 200, body: { serverTime: now } });
    }
    if (ctx.path.startsWith('/v1/tv/')) {
      handleTradingView(this, ctx, ctx.path.slice('/v1/tv/'.length)).catch((e: unknown) => this.#internal(res, e));
      return;
    }
    const m = matchRoute(method, ctx.path);
    if (m.kind === 'none') return this.reject(ctx, { status: 404, body: { error: 'not_found' } }, 'not_found');
    if (m.kind === 'method') return this.reject(ctx, { status: 405, body: { error: 'method_not_allowed' }, headers: { allow: m.allow } }, 'method_not_allowed');
    const refusing = this.guard.refusingFor(now);
    if (refusing > 0) {
      const retry = String(Math.ceil(refusing / 1000));
      return this.reject(ctx, { status: 503, body: { error: 'unavailable', reason: 'clock_step' }, headers: { 'retry-after': retry } }, 'clock_step');
    }

    // Step 1: the four headers.
    const h = req.headers;
    const keyId = h['ck-key-id'];
    const ts = h['ck-timestamp'];
    const nonce = h['ck-nonce'];
    const sig = h['ck-signature'];
    if (typeof keyId === 'string' && KEY_ID_RE.test(keyId)) ctx.keyId = keyId;
    if (typeof sig === 'string') ctx.sigPrefix = sig.slice(3, 11).replace(/[^0-9a-f]/g, '');
    const bad =
      typeof keyId !== 'string' || !KEY_ID_RE.test(keyId) ? 'CK-Key-Id'
      : typeof ts !== 'string' || !TIMESTAMP_RE.test(ts) ? 'CK-Timestamp'
      : typeof nonce !== 'string' || !NONCE_RE.test(nonce) ? 'CK-Nonce'
      : typeof sig !== 'string' || !SIGNATURE_RE.test(sig) ? 'CK-Signature'
      : undefined;
    if (bad !== undefined) return this.reject(ctx, MALFORMED_AUTH, 'malformed_auth', { header: bad });

    // Step 2: body limit while streaming; the raw bytes are hashed before anything parses them.
    const cl = h['content-length'];
    if ((cl === undefined || cl === '0') && h['transfer-encoding'] === undefined) return this.#verify(ctx, m.route, m.params, keyId as string, ts as string, nonce as string, sig as string, EMPTY_BODY);
    readBodyThen(
      req, BODY_LIMIT_BYTES,
      (body) => {
        try {
          this.#verify(ctx, m.route, m.params, keyId as string, ts as string, nonce as string, sig as string, body);
        } catch (e) {
          this.#internal(res, e);
        }
      },
      (e) => this.#internal(res, e),
    );
  }

  /** Steps 3-9 of a request whose headers passed step 1, once its body was read (or found too large). */
  #verify(ctx: RequestCtx, route: RouteDef, params: readonly string[], keyId: string, ts: string, nonce: string, sig: string, body: BodyRead): void {
    const { res, now, method, target } = ctx;
    if (!body.ok && body.aborted) return;
    if (!body.ok) return this.reject(ctx, { status: 413, body: { error: 'body_too_large' }, close: true }, 'body_too_large', { limit: BODY_LIMIT_BYTES });
    ctx.bodySha256 = body.sha256;
    const tsMs = Number(ts);

    // Step 3: key lookup; unusable keys continue with a dummy secret.
    const key = this.#key(keyId);
    let keyProblem: string | undefined;
    let secret = DUMMY_SECRET;
    if (!key) keyProblem = 'unknown_key';
    else {
      ctx.principal = key.principal;
      const v = keyValidity(key, now);
      if (v !== 'valid') keyProblem = v;
      else {
        const s = this.#secret(key);
        if (s === undefined) keyProblem = 'undecryptable_key';
        else secret = s;
      }
    }

    // Step 4: timestamp window.
    if (tsMs < now - this.config.pastWindowMs || tsMs > now + this.config.futureWindowMs) {
      return this.reject(
        ctx,
        { status: 401, body: { error: 'unauthorized', reason: 'timestamp_out_of_window', serverTime: now } },
        tsMs < now ? 'stale_timestamp' : 'future_timestamp',
        { ts: tsMs, ...(keyProblem ? { key: keyProblem } : {}) },
      );
    }

    // Step 5: canonical string and HMAC, compared in constant time on the decoded 32 bytes.
    const canonical = canonicalString({ keyId, timestamp: ts, nonce, method, target, bodySha256: body.sha256 });
    const expected = crypto.createHmac('sha256', secret).update(canonical, 'utf8').digest();
    const given = Buffer.from(sig.slice(3), 'hex');
    const sigOk = crypto.timingSafeEqual(expected, given);
    if (keyProblem !== undefined || !sigOk) {
      const reason = keyProblem ?? 'bad_signature';
      const firstExpiry = reason === 'expired_key';
      return this.reject(ctx, INVALID_CREDENTIALS, reason, undefined, firstExpiry ? keyId : undefined);
    }
    const k = key as ApiKeyRecord;

    // Rate limit per key (before the nonce insert, so the nonce table stays bounded).
    const wait = this.#limiter.take(k.keyId, now);
    if (wait > 0) return this.reject(ctx, { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': String(wait) } }, 'rate_limited');

    // Steps 6-9 in one transaction (group commit).
    const raw = body.body;
    this.queue.push<TxResult>({
      run: () => this.#authorized(ctx, k, nonce, tsMs, route, params, raw),
      done: (r) => {
        if (!r.ok) return this.#internal(res, r.error);
        const v = r.value;
        if (v.handoff) this.outbox.handoff(v.handoff);
        if (v.after) v.after().then((reply) => send(res, reply), (e: unknown) => this.#internal(res, e));
        else send(res, v);
      },
    });
  }

  #authorized(ctx: RequestCtx, k: ApiKeyRecord, nonce: string, tsMs: EpochMs, route: RouteDef, params: readonly string[], body: Buffer): TxResult {
    // Step 6: the nonce, after the signature check so unauthenticated traffic cannot fill the store.
    if (!this.store.nonces.insert(k.keyId, nonce, tsMs + this.config.pastWindowMs + 1000)) {
      return this.rejectInTx(ctx, { status: 401, body: { error: 'unauthorized', reason: 'nonce_replayed' } }, 'nonce_replayed');
    }
    const last = this.#touched.get(k.keyId) ?? 0;
    if (ctx.now - last >= 1000) {
      this.store.keys.touch(k.keyId, ctx.now);
      this.#touched.set(k.keyId, ctx.now);
    }
    // Step 7: scope.
    if (!hasScope(k.scopes, route.scope)) return this.rejectInTx(ctx, { status: 403, body: { error: 'insufficient_scope' } }, 'insufficient_scope', { required: route.scope });
    switch (route.name) {
      case 'orders.create':
        return this.#createOrder(ctx, k, body);
      case 'orders.list': {
        const sp = new URLSearchParams(ctx.query);
        const limit = Math.min(1000, Math.max(1, Number(sp.get('limit') ?? 100) || 100));
        const status = sp.get('status') ?? undefined;
        const symbol = sp.get('symbol') ?? undefined;
        if (status !== undefined && !ORDER_STATUSES.has(status)) {
          return this.rejectInTx(ctx, { status: 400, body: { error: 'invalid_query', message: `status: "${status.slice(0, 32)}" is not one of ${[...ORDER_STATUSES].join(', ')}` } }, 'invalid_query');
        }
        return this.#accepted(ctx, k, 'request.accepted', {
          after: async () => ({ status: 200, body: { orders: await this.intake.listOrders({ status: status as IntakeOrderStatus | undefined, symbol, limit }) } }),
        });
      }
      case 'orders.cancel': {
        const id = decodeURIComponent(params[0] ?? '');
        return this.#accepted(ctx, k, 'request.accepted', {
          after: async () => {
            const r = await this.intake.cancel(id, k.principal);
            return r.ok ? { status: 200, body: { order: r.order } } : { status: r.reason === 'not_found' ? 404 : 409, body: { error: r.reason } };
          },
        });
      }
      case 'positions':
        return this.#accepted(ctx, k, 'request.accepted', { after: async () => ({ status: 200, body: { positions: await this.intake.positions() } }) });
      case 'balances':
        return this.#accepted(ctx, k, 'request.accepted', { after: async () => ({ status: 200, body: { balances: await this.intake.balances() } }) });
      case 'commands.pause':
        return this.#accepted(ctx, k, 'request.accepted', { after: async () => (await this.intake.pause(k.principal), { status: 200, body: { paused: true } }) });
      case 'commands.resume':
        return this.#accepted(ctx, k, 'request.accepted', { after: async () => (await this.intake.resume(k.principal), { status: 200, body: { paused: false } }) });
      case 'commands.flatten':
        return this.#accepted(ctx, k, 'request.accepted', { after: async () => ({ status: 200, body: await this.intake.flatten(k.principal) }) });
      case 'audit.read': {
        const sp = new URLSearchParams(ctx.query);
        const after = Math.max(0, Number(sp.get('after') ?? 0) || 0);
        const limit = Math.min(1000, Math.max(1, Number(sp.get('limit') ?? 100) || 100));
        const tail = sp.get('after') === null;
        return this.#accepted(ctx, k, 'request.accepted', {
          after: async () => ({ status: 200, body: { rows: tail ? this.store.audit.tail(limit) : this.store.audit.read(after, limit) } }),
        });
      }
    }
  }

  #createOrder(ctx: RequestCtx, k: ApiKeyRecord, body: Buffer): TxResult {
    // Step 8: business idempotency by (principal, intentId).
    const parsed = parseOrderBody(body);
    if (!parsed.ok) return this.rejectInTx(ctx, { status: 400, body: { error: 'invalid_body', message: parsed.message } }, 'invalid_body', { message: parsed.message });
    const f = parsed.value;
    const stored = this.store.intents.get(k.principal, f.intentId);
    if (stored) {
      if (stored.bodySha256 !== ctx.bodySha256) {
        return this.rejectInTx(ctx, { status: 409, body: { error: 'idempotency_conflict' } }, 'idempotency_conflict', { intentId: f.intentId });
      }
      const reply = { ...(JSON.parse(stored.response) as object), idempotent: true };
      return this.#accepted(ctx, k, 'request.accepted', { status: 200, body: reply, reason: 'idempotent_replay', detail: { intentId: f.intentId } });
    }
    const order = toIntakeOrder(k.principal, 'api', f, ctx.now);
    const response = { intentId: f.intentId, clientOrderId: order.clientOrderId, status: 'accepted', receivedAt: ctx.now };
    this.store.intents.insert({
      principal: k.principal, intentId: f.intentId, bodySha256: ctx.bodySha256 as string, clientOrderId: order.clientOrderId, source: 'api',
      order: storedOrderJson(f), response: JSON.stringify(response), createdAt: ctx.now, handedOff: false,
    });
    const reply = { intentId: f.intentId, clientOrderId: order.clientOrderId, status: 'accepted', receivedAt: ctx.now, idempotent: false };
    this.store.audit.append(this.#auditRow(ctx, 'order.submitted', 'accepted', null, { status: 202, intentId: f.intentId, clientOrderId: order.clientOrderId }, k));
    return { status: 202, body: reply, handoff: order };
  }

  #accepted(
    ctx: RequestCtx, k: ApiKeyRecord, event: AuditEvent,
    r: { status?: number; body?: unknown; after?: () => Promise<Reply>; reason?: string; detail?: Record<string, unknown> },
  ): TxResult {
    let detail: Record<string, unknown> | undefined = r.detail;
    if (r.status) {
      detail = { status: r.status };
      if (r.detail) for (const f in r.detail) detail[f] = r.detail[f];
    }
    this.store.audit.append(this.#auditRow(ctx, event, 'accepted', r.reason ?? null, detail, k));
    return r.after ? { status: r.status ?? 200, body: r.body ?? null, after: r.after } : { status: r.status ?? 200, body: r.body ?? null };
  }

  #auditRow(ctx: RequestCtx, event: AuditEvent, outcome: 'accepted' | 'rejected', reason: string | null, detail: Record<string, unknown> | undefined, k?: ApiKeyRecord): AuditInput {
    // The detail object's keys in the order they were given, then `sig` (the first 8 hex of the signature).
    let text: string | null = null;
    if (ctx.sigPrefix) {
      if (detail === undefined) text = JSON.stringify({ sig: ctx.sigPrefix });
      else {
        const d: Record<string, unknown> = {};
        for (const f in detail) d[f] = detail[f];
        d.sig = ctx.sigPrefix;
        text = JSON.stringify(d);
      }
    } else if (detail !== undefined) {
      let empty = true;
      for (const f in detail) if (Object.hasOwn(detail, f)) { empty = false; break; }
      if (!empty) text = JSON.stringify(detail);
    }
    return {
      at: ctx.now, event, outcome, reason,
      principal: k?.principal ?? ctx.principal, keyId: k?.keyId ?? ctx.keyId,
      method: ctx.method, target: ctx.target.length > 2048 ? ctx.target.slice(0, 2048) : ctx.target, bodySha256: ctx.bodySha256, remote: ctx.remote,
      detail: text,
    };
  }

  /** A rejection inside the request transaction (steps 6-8): audited (subject to flood control) with the reply. */
  rejectInTx(ctx: RequestCtx, reply: Reply, reason: string, detail?: Record<string, unknown>): TxResult {
    if (this.flood.admit(ctx.remote, reason, ctx.now)) {
      this.store.audit.append(this.#auditRow(ctx, 'request.rejected', 'rejected', reason, { status: reply.status, ...detail }));
    }
    return reply;
  }

  /**
   * A rejection before the transaction (steps 1-5, rate limit, routing): one audit row, written before the reply,
   * unless this (remote, reason, minute) is flooding, in which case it is counted into an aggregate row.
   * `expiredKeyId`: the first rejection after a key expired is recorded as event key.expired.
   */
  reject(ctx: RequestCtx, reply: Reply, reason: string, detail?: Record<string, unknown>, expiredKeyId?: string): void {
    if (reply.close) ctx.res.setHeader('connection', 'close');
    if (!this.flood.admit(ctx.remote, reason, ctx.now)) {
      drainThenSend(ctx, reply);
      return;
    }
    this.queue.push({
      run: () => {
        const event = expiredKeyId !== undefined && !this.store.audit.hasEvent('key.expired', expiredKeyId) ? 'key.expired' : 'request.rejected';
        this.store.audit.append(this.#auditRow(ctx, event, 'rejected', reason, { status: reply.status, ...detail }));
      },
      done: (r) => {
        if (!r.ok) return this.#internal(ctx.res, r.error);
        drainThenSend(ctx, reply);
      },
    });
  }

  /** Queues an accepted/duplicate TradingView outcome or any other audited unit of work. */
  commit<T>(item: CommitItem<T>): void {
    this.queue.push(item);
  }

  audit(ctx: RequestCtx, event: AuditEvent, outcome: 'accepted' | 'rejected', reason: string | null, detail?: Record<string, unknown>): void {
    this.store.audit.append(this.#auditRow(ctx, event, outcome, reason, detail));
  }

  /** Key rows cached until api_keys may have changed (another process's commit or a write here), so a revoke applies to the next request. */
  #key(keyId: string): ApiKeyRecord | undefined {
    // The version is read once per event-loop turn: requests parsed in the same turn share the check.
    if (!this.#keysChecked) {
      this.#keysChecked = true;
      setImmediate(this.#keysUnchecked);
      const v = this.store.keysVersion();
      if (v !== this.#keysVersion || this.#keyCache.size > 10_000) {
        this.#keyCache.clear();
        this.#keysVersion = v;
      }
    }
    let k = this.#keyCache.get(keyId);
    if (k === undefined) {
      k = this.store.keys.get(keyId) ?? null;
      this.#keyCache.set(keyId, k);
    }
    return k ?? undefined;
  }

  #secret(k: ApiKeyRecord): string | undefined {
    let s = this.#secrets.get(k.keyId);
    if (s === undefined) {
      try {
        s = this.#box.open(k.sealed, k.keyId);
      } catch (e) {
        this.#log(`key "${k.keyId}": ${(e as Error).message}`);
        return undefined;
      }
      this.#secrets.set(k.keyId, s);
    }
    return s;
  }

  #internal(res: http.ServerResponse, e: unknown): void {
    this.#log(`internal error: ${(e as Error)?.stack ?? String(e)}`);
    if (!res.headersSent) send(res, { status: 500, body: { error: 'internal' } });
    else res.destroy();
  }
}

/** Serialised bodies of frozen (constant) replies. */
const bodyText = new WeakMap<object, string>();

export function send(res: http.ServerResponse, r: Reply): void {
  if (res.writableEnded || res.destroyed) return;
  const b = r.body;
  let text = typeof b === 'object' && b !== null && Object.isFrozen(b) ? bodyText.get(b) : undefined;
  if (text === undefined) {
    text = JSON.stringify(b);
    if (typeof b === 'object' && b !== null && Object.isFrozen(b)) bodyText.set(b, text);
  }
  // Headers as a flat [name, value, …] list: Node writes them without building a header object.
  const headers: string[] = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text))];
  if (r.close) headers.push('connection', 'close');
  if (r.headers) for (const k in r.headers) headers.push(k, r.headers[k]!);
  res.writeHead(r.status, headers);
  res.end(text);
}

/** Sends, letting Node discard any unread request body (a reply is never held back by a slow sender). */
function drainThenSend(ctx: RequestCtx, r: Reply): void {
  if (!ctx.req.complete) ctx.req.resume();
  send(ctx.res, r);
}

/** `aborted`: the client went away before the body ended (nothing to answer, nothing to audit). */
export type BodyRead = { ok: true; body: Buffer; sha256: string } | { ok: false; aborted?: boolean };

/** Reads the raw body, hashing it as it streams; stops at `limit` bytes (Content-Length is checked first). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => readBodyThen(req, limit, resolve, reject));
}

/** readBody with callbacks: `resolve` gets the outcome once, or `reject` the request stream's error. */
export function readBodyThen(req: http.IncomingMessage, limit: number, resolve: (r: BodyRead) => void, reject: (e: unknown) => void): void {
  {
    // Exactly one of resolve/reject is called, once (`done`).
    const cl = req.headers['content-length'];
    if (cl !== undefined && Number(cl) > limit) {
      resolve({ ok: false });
      return;
    }
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    const onData = (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        done = true;
        req.off('data', onData);
        resolve({ ok: false });
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      // The raw bytes are hashed here, before anything parses them.
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n);
      resolve({ ok: true, body, sha256: n === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body) });
    });
    req.once('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
    req.once('close', () => {
      if (!done && !req.complete) {
        done = true;
        resolve({ ok: false, aborted: true });
      }
    });
  }
}

export type { Scope };
