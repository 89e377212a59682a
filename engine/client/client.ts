import http from 'node:http';
import https from 'node:https';
import { signRequest } from './sign.js';

export type ClientReply<T = unknown> = { readonly status: number; readonly body: T; readonly headers: http.IncomingHttpHeaders };

export type OrderRequest = {
  readonly intentId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type?: 'market' | 'limit';
  readonly amount: string;
  readonly price?: string;
};

/**
 * A small client for the Candlekeep gateway: signs every request (v1), keeps its clock in sync with
 * GET /v1/time (5 samples, the one with the smallest round trip; offset = serverTime − (t0 + t1)/2),
 * and sends the exact target and body bytes it signed (node:http, keep-alive).
 */
export class CandlekeepClient {
  readonly #base: URL;
  readonly #keyId: string;
  readonly #secret: string;
  readonly #agent: http.Agent;
  readonly #now: () => number;
  #offsetMs = 0;
  #syncedAt: number | undefined;
  readonly resyncEveryMs: number;

  constructor(o: { url: string; keyId: string; secret: string; now?: () => number; resyncEveryMs?: number; agent?: http.Agent }) {
    this.#base = new URL(o.url);
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:') throw new Error(`url "${o.url}" must be http(s)://host:port`);
    this.#keyId = o.keyId;
    this.#secret = o.secret;
    this.#now = o.now ?? Date.now;
    this.resyncEveryMs = o.resyncEveryMs ?? 300_000;
    const A = this.#base.protocol === 'https:' ? https.Agent : http.Agent;
    this.#agent = o.agent ?? new A({ keepAlive: true, maxSockets: 16 });
  }

  /** Server time minus local time, from the last sync. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Local time corrected by the last sync. */
  now(): number {
    return Math.round(this.#now() + this.#offsetMs);
  }

  async syncTime(samples = 5): Promise<number> {
    let best: { rtt: number; offset: number } | undefined;
    for (let i = 0; i < samples; i++) {
      const t0 = this.#now();
      const r = await this.#raw<{ serverTime?: unknown }>('GET', '/v1/time', undefined, {});
      const t1 = this.#now();
      if (r.status !== 200 || typeof r.body?.serverTime !== 'number') throw new Error(`GET /v1/time answered ${r.status}`);
      const rtt = t1 - t0;
      const offset = r.body.serverTime - (t0 + t1) / 2;
      if (!best || rtt < best.rtt) best = { rtt, offset };
    }
    this.#offsetMs = best!.offset;
    this.#syncedAt = this.#now();
    return this.#offsetMs;
  }

  /** Sends one signed request. A 401 timestamp_out_of_window triggers one re-sync and one re-send (fresh nonce). */
  async request<T = unknown>(method: string, target: string, body?: unknown): Promise<ClientReply<T>> {
    if (this.#syncedAt === undefined || this.#now() - this.#syncedAt > this.resyncEveryMs) await this.syncTime();
    const bytes = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const once = () => {
      const h = signRequest({ keyId: this.#keyId, secret: this.#secret, method, target, body: bytes, timestamp: this.now() });
      return this.#raw<T>(method, target, bytes, { ...h, ...(bytes ? { 'content-type': 'application/json' } : {}) });
    };
    const r = await once();
    if (r.status === 401 && (r.body as { reason?: string } | null)?.reason === 'timestamp_out_of_window') {
      await this.syncTime();
      return once();
    }
    return r;
  }

  submitOrder(o: OrderRequest): Promise<ClientReply> {
    return this.request('POST', '/v1/orders', o);
  }
  listOrders(query = ''): Promise<ClientReply> {
    return this.request('GET', '/v1/orders' + (query ? `?${query}` : ''));
  }
  cancelOrder(clientOrderId: string): Promise<ClientReply> {
    return this.request('DELETE', `/v1/orders/${encodeURIComponent(clientOrderId)}`);
  }
  positions(): Promise<ClientReply> {
    return this.request('GET', '/v1/positions');
  }
  balances(): Promise<ClientReply> {
    return this.request('GET', '/v1/balances');
  }
  command(name: 'pause' | 'resume' | 'flatten'): Promise<ClientReply> {
    return this.request('POST', `/v1/commands/${name}`);
  }
  audit(query = ''): Promise<ClientReply> {
    return this.request('GET', '/v1/audit' + (query ? `?${query}` : ''));
  }

  close(): void {
    this.#agent.destroy();
  }

  #raw<T>(method: string, target: string, body: Buffer | undefined, headers: Record<string, string>): Promise<ClientReply<T>> {
    const mod = this.#base.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          protocol: this.#base.protocol, hostname: this.#base.hostname, port: this.#base.port, method, path: target, agent: this.#agent,
          headers: { ...headers, 'content-length': String(body?.length ?? 0) }, timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${target}: no answer within 10 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
