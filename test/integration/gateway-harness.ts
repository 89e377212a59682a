// Shared set-up for the gateway integration tests: a real gateway on 127.0.0.1:0 over real SQLite files,
// a controllable clock, and a raw HTTP helper that sends exactly the given target and body bytes.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { openSecurityStore, type SqliteSecurityStore } from '../../data/store/security-store.js';
import { openPaperBook } from '../../data/store/security-paper-book.js';
import { Gateway } from '../../engine/gateway/server.js';
import { parseGatewayConfig } from '../../engine/gateway/config.js';
import { PaperOrderIntake, type Venue } from '../../engine/gateway/paper-intake.js';
import { SecretBox } from '../../engine/signing/secret-box.js';
import { Keyring } from '../../engine/signing/keyring.js';
import { signRequest } from '../../engine/client/sign.js';
import type { AuditRow, Clock } from '../../engine/ports/index.js';

export const V1 = {
  keyId: 'ck_test_2026a',
  secret: 'cks_test_A_6Hq3vU9xZ1rT8mW2pL5nB0yC4dF7gJ',
  ts: 1767225600000,
  nonce: '8b1f0c9e2d7a4b6c3e5f1a2b9c8d7e6f',
  body: '{"intentId":"sma-cross-v1:BTC/USDT:1h:1767222000000:entry-long:0","symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.001","price":"30000"}',
  bodySha256: '4d5ae6e10a79d58f3245b65f9549906de5a5d28f2df1887cb2386f46b0a3a392',
  signature: 'v1=4a4ba4fdc74b96e1e85c6d914092fee646502243312afbf06e9774d230b4afbf',
} as const;

export const MASTER = Buffer.alloc(32, 7);

export class TestClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

export type Harness = {
  dir: string;
  gw: Gateway;
  url: string;
  port: number;
  store: SqliteSecurityStore;
  keyring: Keyring;
  intake: PaperOrderIntake;
  clock: TestClock;
  close(): Promise<void>;
};

export async function startHarness(dir: string, o: { clock: TestClock; config?: Record<string, unknown>; venue?: Venue; box?: SecretBox }): Promise<Harness> {
  const store = openSecurityStore(path.join(dir, 'security.db'));
  const box = o.box ?? new SecretBox(MASTER);
  const intake = new PaperOrderIntake({ book: openPaperBook(path.join(dir, 'paper-book.db')), clock: o.clock, venue: o.venue, cash: 1_000_000, currency: 'USDT' });
  let gw: Gateway;
  try {
    gw = new Gateway({ store, box, clock: o.clock, intake, config: parseGatewayConfig(o.config ?? {}) });
  } catch (e) {
    await intake.close();
    store.close();
    throw e;
  }
  const a = await gw.listen(0, '127.0.0.1');
  return {
    dir, gw, url: a.url, port: a.port, store, keyring: new Keyring(store, box), intake, clock: o.clock,
    close: async () => {
      await gw.close();
      await intake.close();
      store.close();
    },
  };
}

export type RawReply = { status: number; body: any; headers: http.IncomingHttpHeaders };

/** Sends exactly `target` and `body` (no URL normalisation). */
export function raw(port: number, o: { method: string; target: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, 'utf8');
    const headers: Record<string, string> = { ...o.headers };
    if (!o.chunked) headers['content-length'] = String(body?.length ?? 0);
    const req = http.request({ host: '127.0.0.1', port, method: o.method, path: o.target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const t = Buffer.concat(chunks).toString('utf8');
        let b: unknown = t;
        try {
          b = t ? JSON.parse(t) : null;
        } catch {
          b = t;
        }
        resolve({ status: res.statusCode ?? 0, body: b, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (o.chunked && body) {
      // Streams the body in 8 KiB chunks without a Content-Length, so only the streaming check can stop it.
      let off = 0;
      const pump = () => {
        while (off < body.length) {
          const ok = req.write(body.subarray(off, off + 8192));
          off += 8192;
          if (!ok) return void req.once('drain', pump);
        }
        req.end();
      };
      req.on('error', () => {});
      pump();
    } else req.end(body);
  });
}

/** Writes a raw request line on a socket (absolute-form targets, fragments) and returns the status code. */
export function rawLine(port: number, line: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`${line}\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (c) => (data += c.toString('latin1')));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

let nonceCounter = 0;
export function freshNonce(): string {
  return `nonce_${String(++nonceCounter).padStart(6, '0')}_abcdefghijklmnop`;
}

/** Signs and sends in one go. */
export function signedRequest(
  port: number,
  o: { keyId: string; secret: string; method: string; target: string; body?: string; ts: number; nonce?: string; sendTarget?: string; sendBody?: string },
): Promise<RawReply> {
  const h = signRequest({ keyId: o.keyId, secret: o.secret, method: o.method, target: o.target, body: o.body, timestamp: o.ts, nonce: o.nonce ?? freshNonce() });
  return raw(port, { method: o.method, target: o.sendTarget ?? o.target, headers: { ...h }, body: o.sendBody ?? o.body });
}

export function auditRows(store: SqliteSecurityStore, afterSeq = 0): AuditRow[] {
  return store.audit.read(afterSeq, 100_000);
}

export function lastSeq(store: SqliteSecurityStore): number {
  return store.audit.last()?.seq ?? 0;
}
