import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { runCli, spawnCli, tempDir, rm } from '../helpers/cli.js';
import { CandlekeepClient } from '../../engine/client/index.js';

const KEY = Buffer.alloc(32, 5).toString('base64');
let home: string;
let server: ChildProcess | undefined;
const env = { CANDLEKEEP_MASTER_KEY: KEY };

/** Starts `candlekeep serve --port 0` and resolves with its URL and everything it printed to stderr so far. */
function serve(extra: string[] = []): Promise<{ url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    server = spawnCli(['serve', '--port', '0', ...extra], { home, env });
    let out = '';
    let err = '';
    server.stderr!.on('data', (c) => (err += c));
    server.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, stderr: () => err });
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function stop(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s || s.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.removeAllListeners('exit');
    s.on('exit', () => resolve());
    s.kill('SIGTERM');
  });
}

beforeEach(() => {
  home = tempDir('ck-serve-');
});
afterEach(async () => {
  await stop();
  rm(home);
});

describe('candlekeep serve and order submit', () => {
  it('submits a signed order with the secret from the environment, then from stdin, and lists it', async () => {
    const k = JSON.parse(runCli(['keys', 'create', '--principal', 'alice', '--scopes', 'read,trade', '--json'], { home, env }).stdout);
    const { url } = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = runCli(['order', 'submit', '--url', url, '--key-id', k.keyId, '--side', 'buy', '--instrument', 'binance:BTC/USDT', '--amount', '0.001', '--price', '30000', '--intent-id', 'cli-1', '--json'], {
      env: { CANDLEKEEP_API_SECRET: k.secret },
    });
    expect(a.code).toBe(0);
    const body = JSON.parse(a.stdout);
    expect(body).toMatchObject({ intentId: 'cli-1', status: 'accepted', idempotent: false });
    const b = runCli(['order', 'submit', '--url', url, '--key-id', k.keyId, '--side', 'buy', '--instrument', 'BTC/USDT', '--amount', '0.001', '--price', '30000', '--intent-id', 'cli-1', '--json'], {
      input: `${k.secret}\n`,
    });
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ clientOrderId: body.clientOrderId, idempotent: true });
    const list = runCli(['order', 'list', '--url', url, '--key-id', k.keyId, '--json'], { env: { CANDLEKEEP_API_SECRET: k.secret } });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((o: { intentId: string }) => o.intentId)).toEqual(['cli-1']);
  });

  it('a wrong secret fails with one line naming the 401', async () => {
    const k = JSON.parse(runCli(['keys', 'create', '--principal', 'alice', '--scopes', 'trade', '--json'], { home, env }).stdout);
    const { url } = await serve();
    const r = runCli(['order', 'submit', '--url', url, '--key-id', k.keyId, '--side', 'sell', '--instrument', 'BTC/USDT', '--amount', '1'], { env: { CANDLEKEEP_API_SECRET: 'cks_wrong' } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('candlekeep: the gateway answered 401 unauthorized: invalid_credentials');
  });

  it('without a secret in the environment or on stdin it says how to give one', () => {
    const r = runCli(['order', 'submit', '--key-id', 'ck_abc', '--side', 'buy', '--instrument', 'BTC/USDT', '--amount', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CANDLEKEEP_API_SECRET/);
  });

  it('the client module syncs its clock with /v1/time and signs requests', async () => {
    const k = JSON.parse(runCli(['keys', 'create', '--principal', 'bob', '--scopes', 'read,trade', '--json'], { home, env }).stdout);
    const { url } = await serve();
    // A local clock 20 s behind the server: without sync every request would be stale.
    const c = new CandlekeepClient({ url, keyId: k.keyId, secret: k.secret, now: () => Date.now() - 20_000 });
    try {
      const off = await c.syncTime();
      expect(Math.abs(off - 20_000)).toBeLessThan(5_000);
      const r = await c.submitOrder({ intentId: 'lib-1', symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: '1', price: '2000' });
      expect(r.status).toBe(202);
      expect((await c.balances()).status).toBe(200);
      expect((await c.command('pause')).body).toEqual({ paused: true });
    } finally {
      c.close();
    }
  });

  it('binds to loopback by default and warns about TLS with --host 0.0.0.0', async () => {
    const { url, stderr } = await serve(['--host', '0.0.0.0']);
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(stderr()).toMatch(/terminate TLS in front/);
  });

  it('a busy port is a one-line error', async () => {
    const { url } = await serve();
    const port = new URL(url).port;
    const r = runCli(['serve', '--port', port], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already in use/);
  });
});
