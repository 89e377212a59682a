/**
 * Load generator for the gateway bench, run as its own process (`node dist/test/bench/gateway-load.js <json>`).
 * Loopback only, keep-alive agent, bounded in count and time. Prints one JSON line with the results.
 *  - mode "accepted": open loop at `rate` req/s for `durationMs`, signed POST /v1/orders with a fresh intent each,
 *    round-robin over the keys so each key stays under the gateway's per-key limit (rate / keys ≤ 50/s).
 *  - mode "rejected": closed loop with `concurrency` in flight, bad signatures, for `durationMs` or `maxRequests`.
 */
import http from 'node:http';
import { signRequest } from '../../engine/client/sign.js';

type Args = {
  url: string; mode: 'accepted' | 'rejected'; keys: { keyId: string; secret: string }[];
  rate: number; durationMs: number; maxRequests: number; concurrency: number;
};

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const u = new URL(args.url);
if (u.hostname !== '127.0.0.1') throw new Error('the bench load generator only talks to 127.0.0.1');
// More sockets than requests in flight: a request never waits in the agent queue for a socket being released.
const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency * 2, maxFreeSockets: args.concurrency * 2 });
const latencies: number[] = [];
const statuses = new Map<number, number>();
let sent = 0;
let done = 0;

function send(target: string, headers: Record<string, string>, body: Buffer | undefined): Promise<void> {
  const t0 = performance.now();
  sent++;
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: u.port, method: body ? 'POST' : 'GET', path: target, agent, headers: { ...headers, 'content-length': String(body?.length ?? 0) } }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        done++;
        resolve();
      });
    });
    req.on('error', () => {
      statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
      done++;
      resolve();
    });
    req.end(body);
  });
}

function orderRequest(i: number): Promise<void> {
  const k = args.keys[i % args.keys.length]!;
  const body = Buffer.from(JSON.stringify({ intentId: `bench-${process.pid}-${i}`, symbol: 'BTC/USDT', side: i % 2 ? 'sell' : 'buy', type: 'market', amount: '0.001', price: '30000' }));
  const h = signRequest({ keyId: k.keyId, secret: k.secret, method: 'POST', target: '/v1/orders', body, timestamp: Date.now() });
  return send('/v1/orders', { ...h, 'content-type': 'application/json' }, body);
}

async function accepted(): Promise<void> {
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  let i = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(args.maxRequests, Math.floor((elapsed * args.rate) / 1000));
      while (i < due && inflight.size < args.concurrency) {
        const p = orderRequest(i++);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
      }
      if (elapsed >= args.durationMs || i >= args.maxRequests) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inflight);
}

async function rejected(): Promise<void> {
  const k = args.keys[0]!;
  const h = signRequest({ keyId: k.keyId, secret: 'cks_not_the_secret', method: 'GET', target: '/v1/orders', timestamp: Date.now() });
  const start = performance.now();
  const worker = async () => {
    while (performance.now() - start < args.durationMs && sent < args.maxRequests) await send('/v1/orders', { ...h }, undefined);
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
}

// Open the keep-alive connections first (GET /v1/time on each), so connection set-up is not measured.
await Promise.all(Array.from({ length: args.concurrency }, () => send('/v1/time', {}, undefined)));
latencies.length = 0;
statuses.clear();
sent = 0;
done = 0;
const t0 = performance.now();
await (args.mode === 'accepted' ? accepted() : rejected());
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
agent.destroy();
process.stdout.write(JSON.stringify({ sent, done, seconds, statuses: Object.fromEntries(statuses), p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN }) + '\n');
