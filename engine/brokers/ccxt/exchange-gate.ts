import type { Logger } from '../../log/index.js';
import { sleep } from './ccxt-types.js';
import type { ExchangeHandle } from './exchange-factory.js';

/**
 * SIGNING.md A7: every request to one exchange account goes through here. After a 429 no request
 * leaves before Retry-After has passed; after a 418 (or -2015 following a success) nothing leaves until the
 * ban ends and trading stays halted. Trading halts (clock unhealthy, ban, manual pause) block new orders only;
 * queries still run so reconciliation can finish.
 */
export class ExchangeGate {
  #pausedUntil = 0;
  readonly #halts = new Map<string, string>();
  readonly onHalt: Array<(reason: string) => void> = [];

  constructor(private readonly handle: ExchangeHandle, private readonly log: Logger, private readonly now: () => number = Date.now) {}

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Runs one request: waits out a throttle/ban, swaps rotated credentials in, logs used weight. */
  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const wait = this.#pausedUntil - this.now();
      if (wait <= 0) break;
      await sleep(wait);
    }
    this.handle.refreshCredentials();
    try {
      return await fn();
    } finally {
      const h = this.handle.exchange.last_response_headers as Record<string, string> | undefined;
      if (h) {
        const used = Object.entries(h).filter(([k]) => /^X-Mbx-Used-Weight/i.test(k));
        if (used.length) this.log.debug({ request: what, usedWeight: Object.fromEntries(used) }, 'exchange weight');
      }
    }
  }

  /** 429: no request of any kind before `ms` from now. */
  throttle(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.now() + ms);
    this.log.warn({ exchange: this.handle.exchangeId, retryAfterMs: ms }, 'rate limited: pausing all requests');
  }

  /** 418: nothing until `until`, and trading halted until then. */
  ban(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    this.halt('ban', `exchange banned this IP until ${new Date(until).toISOString()}`);
    const t = setTimeout(() => this.resume('ban'), Math.max(0, until - this.now()));
    t.unref();
  }

  halt(key: string, reason: string): void {
    if (this.#halts.get(key) === reason) return;
    this.#halts.set(key, reason);
    this.log.error({ exchange: this.handle.exchangeId, halt: key, reason }, 'ALERT: trading halted');
    for (const f of this.onHalt) f(reason);
  }

  resume(key: string): void {
    if (this.#halts.delete(key)) this.log.warn({ exchange: this.handle.exchangeId, halt: key }, 'trading resumed');
  }

  /** Why new orders may not leave now, or undefined when they may. */
  haltReason(): string | undefined {
    return this.#halts.values().next().value;
  }
}
