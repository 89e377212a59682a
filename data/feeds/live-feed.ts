import { allocBarColumns, timeframeMs, type Bar, type EpochMs } from '../../engine/domain/index.js';
import type { BarStore, LiveFeed, SeriesKey } from '../../engine/ports/index.js';
import { parseInstrument } from '../../engine/domain/index.js';

/** The slice of a ccxt exchange the live feed uses (REST klines; `watchOHLCV` when ccxt.pro provides it). */
export interface LiveOhlcvSource {
  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<unknown[]>;
  watchOHLCV?(symbol: string, timeframe: string): Promise<unknown[]>;
}

export type LiveFeedOptions = {
  readonly source: LiveOhlcvSource;
  /** Bars are written here as they close (and warm-up reads from it first). */
  readonly store?: BarStore;
  /** The exchange's clock (server time estimate); a bar whose close time has passed on it is closed. */
  readonly exchangeNow?: () => EpochMs;
  readonly pollMs?: number;
  /** Use watchOHLCV (websocket) as the trigger to poll, where the source has it. */
  readonly useWatch?: boolean;
  readonly pageLimit?: number;
  readonly onError?: (e: unknown) => void;
};

type Sub = { key: SeriesKey; symbol: string; tfMs: number; last: EpochMs };

/**
 * Live closed bars (paper and live modes). Polls `fetchOHLCV` (woken early by `watchOHLCV` where supported)
 * for every subscribed series and delivers only closed bars: a bar is closed once a newer bar exists or its
 * close time has passed on the exchange clock. Each series continues from its last delivered bar, so after a
 * disconnect the missed bars are back-filled in order before anything newer. Across series, bars go out by
 * close time, coarser timeframe first on a tie — the same order as the backtest driver.
 */
export class PollingLiveFeed implements LiveFeed {
  readonly #subs: Sub[] = [];
  #onBar: ((bar: Bar) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #polling: Promise<number> | undefined;

  constructor(private readonly o: LiveFeedOptions) {}

  /**
   * Subscribes; `since` per series is the open time of the last bar already handled (warm-up), so delivery
   * continues right after it. Starts polling unless `pollMs` is 0 (then call `poll()`).
   */
  subscribe(keys: readonly SeriesKey[], onBar: (bar: Bar) => void, since?: ReadonlyMap<string, EpochMs>): void {
    this.#onBar = onBar;
    for (const key of keys) {
      const last = since?.get(`${key.instrument}|${key.timeframe}`) ?? -Infinity;
      this.#subs.push({ key, symbol: parseInstrument(key.instrument).symbol, tfMs: timeframeMs(key.timeframe), last });
    }
    const pollMs = this.o.pollMs ?? 1000;
    if (pollMs > 0) {
      const tick = () => {
        if (this.#closed) return;
        this.poll().catch((e) => this.o.onError?.(e)).finally(() => {
          if (!this.#closed) this.#timer = setTimeout(tick, pollMs);
        });
      };
      this.#timer = setTimeout(tick, 0);
      if (this.o.useWatch && this.o.source.watchOHLCV) void this.#watch();
    }
  }

  async #watch(): Promise<void> {
    const s = this.#subs[0];
    if (!s || !this.o.source.watchOHLCV) return;
    let lastOpen = -Infinity;
    while (!this.#closed) {
      try {
        const rows = await this.o.source.watchOHLCV(s.symbol, s.key.timeframe);
        const t = Number((rows.at(-1) as number[] | undefined)?.[0]);
        if (t > lastOpen) {
          lastOpen = t;
          await this.poll();
        }
      } catch (e) {
        this.o.onError?.(e);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Fetches every series once and delivers the newly closed bars in order. Returns how many were delivered. */
  poll(): Promise<number> {
    this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #poll(): Promise<number> {
    const fresh: Bar[] = [];
    for (const s of this.#subs) fresh.push(...(await this.#closedSince(s)));
    fresh.sort((a, b) => a.openTime + timeframeMs(a.timeframe) - (b.openTime + timeframeMs(b.timeframe)) || timeframeMs(b.timeframe) - timeframeMs(a.timeframe));
    for (const bar of fresh) {
      if (this.#closed) break;
      const s = this.#subs.find((x) => x.key.instrument === bar.instrument && x.key.timeframe === bar.timeframe)!;
      if (bar.openTime <= s.last) continue;
      s.last = bar.openTime;
      this.#write(s, [bar]);
      this.#onBar?.(bar);
    }
    return fresh.length;
  }

  async #closedSince(s: Sub): Promise<Bar[]> {
    const out: Bar[] = [];
    let since = Number.isFinite(s.last) ? s.last + s.tfMs : undefined;
    for (let page = 0; page < 100; page++) {
      const rows = (await this.o.source.fetchOHLCV(s.symbol, s.key.timeframe, since, this.o.pageLimit ?? 1000)) as number[][];
      const bars = rows.map((r, i) => ({ r, i })).filter(({ r }) => Array.isArray(r) && r.length >= 6 && r.every((x) => typeof x === 'number' && Number.isFinite(x)));
      const now = this.o.exchangeNow?.();
      let added = 0;
      for (let k = 0; k < bars.length; k++) {
        const r = bars[k]!.r;
        const openTime = r[0]!;
        if (openTime <= s.last || (out.length && openTime <= out.at(-1)!.openTime)) continue;
        const closeTime = openTime + s.tfMs;
        const newer = k + 1 < bars.length;
        // The clock rule only for recent bars: a replayed or delayed source is judged by its newer bars.
        const byClock = now !== undefined && closeTime <= now && closeTime > now - 3 * s.tfMs;
        if (!newer && !byClock) break;
        out.push({ instrument: s.key.instrument, timeframe: s.key.timeframe, openTime, open: r[1]!, high: r[2]!, low: r[3]!, close: r[4]!, volume: r[5]! });
        added++;
      }
      if (rows.length < (this.o.pageLimit ?? 1000) || added === 0) break;
      since = out.at(-1)!.openTime + s.tfMs;
    }
    return out;
  }

  #write(s: Sub, bars: Bar[]): void {
    if (!this.o.store || bars.length === 0) return;
    const c = allocBarColumns(bars.length);
    bars.forEach((b, i) => {
      c.openTime[i] = b.openTime;
      c.open[i] = b.open;
      c.high[i] = b.high;
      c.low[i] = b.low;
      c.close[i] = b.close;
      c.volume[i] = b.volume;
    });
    try {
      this.o.store.upsert(s.key, c, { source: `ccxt:${s.key.instrument.split(':')[0]}` });
    } catch (e) {
      this.o.onError?.(e);
    }
  }

  /**
   * Warm-up: the last `n` closed bars before `before` (open time), from the store, fetching (and storing) what
   * is missing. Ascending, closed bars only.
   */
  async warmup(key: SeriesKey, n: number, before: EpochMs): Promise<Bar[]> {
    if (n <= 0) return [];
    const tf = timeframeMs(key.timeframe);
    const from = before - n * tf;
    const read = (): Bar[] => {
      if (!this.o.store) return [];
      const c = this.o.store.read(key, { from, to: before });
      const out: Bar[] = [];
      for (let i = 0; i < c.length; i++) out.push({ instrument: key.instrument, timeframe: key.timeframe, openTime: c.openTime[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! });
      return out;
    };
    let bars = read();
    if (bars.length < n) {
      const s: Sub = { key, symbol: parseInstrument(key.instrument).symbol, tfMs: tf, last: from - tf };
      const got = (await this.#closedSince(s)).filter((b) => b.openTime < before);
      this.#write(s, got);
      bars = this.o.store ? read() : got;
    }
    return bars.slice(-n);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#polling) await this.#polling.catch(() => undefined);
  }
}
