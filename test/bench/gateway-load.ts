/**
 * Load generator for the gateway bench, run as its own process (`node dist/test/bench/gateway-load.js <json>`).
 * Loopback only, bounded in count and time. Prints one JSON line with the results.
 *
 * It speaks HTTP/1.1 over raw `net` sockets with keep-alive and request bytes prepared before the clock starts,
 * so that the generator's own cost per request is a socket write and a small response parse, not an HTTP client.
 *  - mode "accepted": open loop at `rate` req/s for `durationMs` (at most `maxRequests`), each a signed
 *    POST /v1/orders with a fresh intent and nonce, round-robin over the keys so each key stays under the gateway's
 *    per-key limit (rate / keys ≤ 50/s). One request in flight per connection (no pipelining), `concurrency`
 *    connections; a request whose time has come waits for a free connection (counted in `waitedForConnection`).
 *    Latency runs from the moment the request was due (so a stalled server cannot hide its queue) to the last
 *    byte of the reply. Requests are signed up front, each with the timestamp a client signing it when due would
 *    give it (signing time + its offset in the schedule: a little in the past when sent, never in the future), so
 *    timestamps rise through the run as real clients' do.
 *  - mode "rejected": closed loop, `concurrency` connections with up to `pipeline` requests in flight on each
 *    (HTTP/1.1 pipelining: a steady, bounded load; with pipeline = 1 it is plain keep-alive), the same GET /v1/orders
 *    with a bad signature, for `durationMs` or `maxRequests`. Latency runs from the write to the last byte of the reply.
 */
import net from 'node:net';
import { signRequest } from '../../engine/client/sign.js';

type Args = {
  url: string; mode: 'accepted' | 'rejected'; keys: { keyId: string; secret: string }[];
  rate: number; durationMs: number; maxRequests: number; concurrency: number; pipeline?: number;
};

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const u = new URL(args.url);
if (u.hostname !== '127.0.0.1') throw new Error('the bench load generator only talks to 127.0.0.1');
const PORT = Number(u.port);
const HOST_HEADER = `127.0.0.1:${PORT}`;

const latencies: number[] = [];
/** Accepted mode: from the write of the request (latencies: from when it was due). */
const fromWrite: number[] = [];
const statuses = new Map<number, number>();
let done = 0;

/** One keep-alive connection: writes requests, parses replies (status line, Content-Length, body) in order. */
class Conn {
  readonly socket: net.Socket;
  readonly #started: number[] = [];
  readonly #written: number[] = [];
  #head = 0;
  #buf = '';
  #need = -1;
  #status = 0;
  broken = false;
  constructor(readonly onReply: (c: Conn, status: number, startedAt: number, writtenAt: number) => void) {
    this.socket = net.connect({ host: '127.0.0.1', port: PORT, noDelay: true });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (s: string) => this.#data(s));
    this.socket.on('error', () => this.#fail());
    this.socket.on('close', () => this.#fail());
  }
  get inFlight(): number {
    return this.#started.length - this.#head;
  }
  /** `startedAt`: when the request counts as started (its due time in the open loop); the write time is kept too. */
  send(bytes: Buffer | string, startedAt: number, count = 1): void {
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      this.#started.push(startedAt);
      this.#written.push(now);
    }
    this.socket.write(bytes);
  }
  #data(s: string): void {
    this.#buf = this.#buf.length ? this.#buf + s : s;
    for (;;) {
      if (this.#need < 0) {
        const end = this.#buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        // "HTTP/1.1 401 ..." then headers; Node always sends Content-Length for these replies.
        this.#status = Number(this.#buf.slice(9, 12));
        const head = this.#buf.slice(0, end).toLowerCase();
        const i = head.indexOf('\r\ncontent-length:');
        const e = i < 0 ? -1 : head.indexOf('\r\n', i + 17);
        const len = i < 0 ? 0 : parseInt(head.slice(i + 17, e < 0 ? undefined : e), 10);
        this.#buf = this.#buf.slice(end + 4);
        this.#need = len;
      }
      if (this.#buf.length < this.#need) return;
      this.#buf = this.#buf.slice(this.#need);
      this.#need = -1;
      const t0 = this.#started[this.#head]!;
      const w0 = this.#written[this.#head++]!;
      if (this.#head > 4096) {
        this.#started.splice(0, this.#head);
        this.#written.splice(0, this.#head);
        this.#head = 0;
      }
      this.onReply(this, this.#status, t0, w0);
    }
  }
  #fail(): void {
    if (this.broken) return;
    this.broken = true;
    for (let i = this.#head; i < this.#started.length; i++) {
      statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
      done++;
    }
    this.#started.length = 0;
    this.#written.length = 0;
    this.#head = 0;
  }
}

function record(status: number, t0: number): void {
  latencies.push(performance.now() - t0);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  done++;
}

function request(method: string, target: string, headers: Record<string, string>, body?: Buffer): Buffer {
  let head = `${method} ${target} HTTP/1.1\r\nhost: ${HOST_HEADER}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

async function open(n: number, onReply: (c: Conn, status: number, startedAt: number, writtenAt: number) => void): Promise<Conn[]> {
  const conns = Array.from({ length: n }, () => new Conn(onReply));
  await Promise.all(conns.map((c) => new Promise<void>((resolve, reject) => {
    c.socket.once('connect', () => resolve());
    c.socket.once('error', reject);
  })));
  return conns;
}

let warmLeft = 0;
let warmDone: () => void = () => {};
/** One GET /v1/time on each new connection before the clock starts, so connection set-up is not measured. */
async function warm(conns: Conn[]): Promise<void> {
  await new Promise<void>((resolve) => {
    warmLeft = conns.length;
    warmDone = resolve;
    const time = request('GET', '/v1/time', {});
    for (const c of conns) c.send(time, performance.now());
  });
}
function warmReply(): void {
  if (--warmLeft === 0) warmDone();
}

async function accepted(): Promise<{ sent: number; seconds: number; waitedForConnection: number }> {
  const n = Math.min(args.maxRequests, Math.ceil((args.rate * args.durationMs) / 1000));
  const now = Date.now();
  const reqs = Array.from({ length: n }, (_, i) => {
    const k = args.keys[i % args.keys.length]!;
    const body = Buffer.from(JSON.stringify({ intentId: `bench-${process.pid}-${i}`, symbol: 'BTC/USDT', side: i % 2 ? 'sell' : 'buy', type: 'market', amount: '0.001', price: '30000' }));
    const h = signRequest({ keyId: k.keyId, secret: k.secret, method: 'POST', target: '/v1/orders', body, timestamp: now + Math.floor((i * 1000) / args.rate) });
    return request('POST', '/v1/orders', { ...h, 'content-type': 'application/json' }, body);
  });
  const idle: Conn[] = [];
  let waitedForConnection = 0;
  const waiting: number[] = [];
  let next = 0;
  const conns = await open(args.concurrency, (c, status, t0, w0) => {
    if (!measuring) return warmReply();
    record(status, t0);
    fromWrite.push(performance.now() - w0);
    if (next < n && waiting.length) c.send(reqs[next++]!, waiting.shift()!);
    else idle.push(c);
  });
  let measuring = false;
  await warm(conns);
  idle.push(...conns);
  measuring = true;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(n, Math.floor((elapsed * args.rate) / 1000));
      while (next + waiting.length < due) {
        const dueAt = start + ((next + waiting.length) * 1000) / args.rate;
        const c = idle.pop();
        if (c && !c.broken) c.send(reqs[next++]!, dueAt);
        else {
          waiting.push(dueAt);
          waitedForConnection++;
        }
      }
      if ((elapsed >= args.durationMs || next >= n) && done >= next) {
        clearInterval(timer);
        resolve();
      }
      if (elapsed > args.durationMs + 10_000) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const seconds = (performance.now() - start) / 1000;
  for (const c of conns) c.socket.destroy();
  return { sent: next, seconds, waitedForConnection };
}

async function rejected(): Promise<{ sent: number; seconds: number; pipeline: number }> {
  const depth = Math.max(1, args.pipeline ?? 1);
  const k = args.keys[0]!;
  const h = signRequest({ keyId: k.keyId, secret: 'cks_not_the_secret', method: 'GET', target: '/v1/orders', timestamp: Date.now() });
  const one = request('GET', '/v1/orders', { ...h });
  const batch = new Map<number, Buffer>();
  const bytes = (m: number) => {
    let b = batch.get(m);
    if (!b) batch.set(m, (b = Buffer.concat(Array.from({ length: m }, () => one))));
    return b;
  };
  let sent = 0;
  let start = 0;
  let stopping = false;
  // Replies parsed in one 'data' event are answered with one write of as many requests.
  const owed = new Map<Conn, number>();
  const conns = await open(args.concurrency, (c, status, t0) => {
    if (!start) return warmReply();
    record(status, t0);
    if (stopping) return;
    if (!owed.has(c)) queueMicrotask(() => refill(c));
    owed.set(c, (owed.get(c) ?? 0) + 1);
  });
  const refill = (c: Conn) => {
    let m = owed.get(c) ?? 0;
    owed.delete(c);
    if (performance.now() - start >= args.durationMs) stopping = true;
    m = Math.min(m, args.maxRequests - sent);
    if (stopping || m <= 0 || c.broken) return;
    sent += m;
    c.send(bytes(m), performance.now(), m);
  };
  await warm(conns);
  start = performance.now();
  for (const c of conns) {
    const m = Math.min(depth, args.maxRequests - sent);
    if (m <= 0) break;
    sent += m;
    c.send(bytes(m), performance.now(), m);
  }
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      if (elapsed >= args.durationMs || sent >= args.maxRequests) stopping = true;
      if ((stopping && done >= sent) || elapsed > args.durationMs + 10_000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const seconds = (performance.now() - start) / 1000;
  for (const c of conns) c.socket.destroy();
  return { sent, seconds, pipeline: depth };
}

const r = args.mode === 'accepted' ? await accepted() : await rejected();
latencies.sort((a, b) => a - b);
fromWrite.sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const written = fromWrite.length ? { writtenP50: pct(fromWrite, 0.5), writtenP99: pct(fromWrite, 0.99) } : {};
process.stdout.write(JSON.stringify({ ...r, done, statuses: Object.fromEntries(statuses), p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), max: latencies.at(-1) ?? NaN, ...written }) + '\n');
