import type { Logger } from '../../log/index.js';
import type { ExchangeGate } from './exchange-gate.js';
import type { ExchangeHandle } from './exchange-factory.js';

export type ClockSample = { readonly serverTime: number; readonly t0: number; readonly t1: number };
export type SyncResult = { readonly offsetMs: number; readonly rttMs: number; readonly timeDifference: number };

export type ClockSyncOptions = {
  readonly recvWindowMs: number;
  readonly safetyMarginMs?: number;
  readonly intervalMs?: number;
  readonly samples?: number;
  /** Wall clock (ms); injectable for tests. */
  readonly now?: () => number;
};

/** Picks the sample with the smallest RTT and returns offset = serverTime − (t0 + t1) / 2. */
export function bestOffset(samples: readonly ClockSample[]): { offsetMs: number; rttMs: number } {
  if (samples.length === 0) throw new Error('clock sync: no samples');
  let best = samples[0]!;
  for (const s of samples) if (s.t1 - s.t0 < best.t1 - best.t0) best = s;
  return { offsetMs: best.serverTime - (best.t0 + best.t1) / 2, rttMs: best.t1 - best.t0 };
}

/**
 * SIGNING.md A2: keeps `exchange.options.timeDifference` right — at start, every `intervalMs`, and right after
 * an InvalidNonce. timeDifference = −offset + margin, so ccxt's nonce() = now − timeDifference lands slightly
 * behind the server (the safe side of Binance's +1 s rule).
 * Health: trading halts when the best RTT exceeds recvWindow/2, when the offset jumps by more than 1 s between
 * syncs and a confirming sync does not agree, or after 3 failed syncs in a row.
 */
export class ClockSync {
  readonly #now: () => number;
  readonly #margin: number;
  readonly #samples: number;
  #offset: number | undefined;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<SyncResult> | undefined;
  syncCount = 0;

  constructor(private readonly handle: ExchangeHandle, private readonly gate: ExchangeGate, private readonly log: Logger, private readonly opts: ClockSyncOptions) {
    this.#now = opts.now ?? Date.now;
    this.#margin = opts.safetyMarginMs ?? 200;
    this.#samples = opts.samples ?? 5;
  }

  /** Latest measured offset (server − local), ms. */
  get offsetMs(): number | undefined {
    return this.#offset;
  }

  /** The exchange's clock as we estimate it (local + offset). */
  exchangeNow(): number {
    return this.#now() + (this.#offset ?? 0);
  }

  /** One sync round (concurrent callers share it). Throws after recording a failure. */
  sync(): Promise<SyncResult> {
    this.#inFlight ??= this.#sync().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #round(): Promise<{ offsetMs: number; rttMs: number }> {
    const samples: ClockSample[] = [];
    for (let i = 0; i < this.#samples; i++) {
      const t0 = this.#now();
      const serverTime = await this.gate.run('fetchTime', () => this.handle.exchange.fetchTime());
      const t1 = this.#now();
      if (typeof serverTime !== 'number' || !Number.isFinite(serverTime)) throw new Error(`clock sync: server time "${String(serverTime)}" is not a number`);
      samples.push({ serverTime, t0, t1 });
    }
    return bestOffset(samples);
  }

  async #sync(): Promise<SyncResult> {
    let r: { offsetMs: number; rttMs: number };
    try {
      r = await this.#round();
    } catch (e) {
      this.#failures++;
      this.log.warn({ failures: this.#failures, err: e }, 'clock sync failed');
      if (this.#failures >= 3) this.gate.halt('clock', `clock sync failed ${this.#failures} times in a row`);
      throw e;
    }
    this.#failures = 0;
    if (r.rttMs > this.opts.recvWindowMs / 2) {
      // Too slow to measure the offset well enough for the receive window: keep the old offset, halt trading.
      this.gate.halt('clock', `round trip ${r.rttMs} ms exceeds half the receive window (${this.opts.recvWindowMs / 2} ms)`);
      return { offsetMs: this.#offset ?? 0, rttMs: r.rttMs, timeDifference: Number((this.handle.exchange.options as Record<string, unknown>).timeDifference ?? 0) };
    }
    const prev = this.#offset;
    if (prev !== undefined && Math.abs(r.offsetMs - prev) > 1000) {
      // A clock step: halt, then confirm with a second round before trusting the new offset.
      this.gate.halt('clock', `clock offset jumped by ${Math.round(r.offsetMs - prev)} ms between syncs`);
      const confirm = await this.#round().catch(() => undefined);
      if (!confirm || Math.abs(confirm.offsetMs - r.offsetMs) > 1000) {
        this.log.error({ previous: prev, measured: r.offsetMs, confirm: confirm?.offsetMs }, 'clock unstable: trading stays halted');
        throw new Error('clock sync: offset unstable');
      }
      this.log.warn({ previousOffsetMs: prev, offsetMs: confirm.offsetMs }, 'clock step confirmed; new offset adopted');
      r = confirm;
    }
    this.#offset = r.offsetMs;
    const timeDifference = Math.round(-r.offsetMs + this.#margin);
    (this.handle.exchange.options as Record<string, unknown>).timeDifference = timeDifference;
    this.syncCount++;
    this.gate.resume('clock');
    this.log.info({ offsetMs: Math.round(r.offsetMs), rttMs: r.rttMs, timeDifference }, 'clock synced');
    return { offsetMs: r.offsetMs, rttMs: r.rttMs, timeDifference };
  }

  /** Syncs now, then every intervalMs (default 300 000). */
  async start(): Promise<SyncResult> {
    const r = await this.sync();
    this.#timer = setInterval(() => void this.sync().catch(() => undefined), this.opts.intervalMs ?? 300_000);
    this.#timer.unref();
    return r;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Kraken has no time check, only increasing nonces: override `exchange.nonce` with a persisted monotonic
 * generator so restarts and backward clock steps never reuse or shrink a nonce.
 */
export function installMonotonicNonce(handle: ExchangeHandle, gen: { next(): number }): void {
  (handle.exchange as unknown as { nonce: () => number }).nonce = () => gen.next();
}
