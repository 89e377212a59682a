import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { BarColumns } from '../domain/index.js';
import type { MarketReturns } from './market-returns.js';
import { renderHtml } from './render-html.js';
import type { Report } from './report-schema.js';

/** Messages to the helper thread (report-worker.ts) and its replies. */
export type HelperRequest =
  | { readonly id: number; readonly kind: 'bars'; readonly bars: BarColumns }
  | { readonly id: number; readonly kind: 'html'; readonly report: Report; readonly file: string };
export type HelperReply =
  | { readonly id: number; readonly ok: true; readonly market?: MarketReturns }
  | { readonly id: number; readonly ok: false; readonly error: string };

const isShared = (c: BarColumns): boolean => typeof SharedArrayBuffer !== 'undefined' && c.close.buffer instanceof SharedArrayBuffer;

/**
 * A second thread for the parts of a backtest report that need not wait for the main thread: the market's
 * log returns (beta) and report.html's candles while the engine runs, then report.html itself while the
 * main thread writes report.json, trades.csv and the run index. Uses the machine's second core; the results
 * are the same bytes as without it (the same functions run). Everything falls back to the calling thread
 * when the helper cannot start, fails, or the bars are not in shared memory.
 */
export class ReportHelper {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: HelperReply) => void; reject: (e: Error) => void }>();
  private market: Promise<MarketReturns | undefined> = Promise.resolve(undefined);
  private barsSent: BarColumns | undefined;

  /** Starts the helper thread from the compiled worker file; without it (or if it cannot start) the helper works in-thread. */
  static start(workerFile: string | undefined): ReportHelper {
    const h = new ReportHelper();
    if (!workerFile || !fs.existsSync(workerFile)) return h;
    try {
      const w = new Worker(workerFile);
      w.unref();
      w.on('message', (r: HelperReply) => {
        const p = h.pending.get(r.id);
        if (!p) return;
        h.pending.delete(r.id);
        p.resolve(r);
      });
      const fail = (e: Error) => {
        h.worker = undefined;
        for (const p of h.pending.values()) p.reject(e);
        h.pending.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`report helper thread exited (${code})`)));
      h.worker = w;
    } catch {
      h.worker = undefined;
    }
    return h;
  }

  private ask(req: HelperRequest): Promise<HelperReply> {
    const w = this.worker;
    if (!w) return Promise.reject(new Error('no helper thread'));
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      w.postMessage(req);
    });
  }

  /** Hands over the primary bars as soon as they are read (shared memory only; otherwise nothing to do ahead). */
  prepare(bars: BarColumns): void {
    if (!this.worker || !isShared(bars) || bars.length < 2) return;
    this.barsSent = bars;
    const got = this.ask({ id: this.nextId++, kind: 'bars', bars });
    this.market = got.then(
      (r) => (r.ok ? r.market : undefined),
      () => undefined,
    );
  }

  /** The market's log returns for `close` if the helper computed them (else undefined: compute in-thread). */
  async marketReturns(close: Float64Array): Promise<MarketReturns | undefined> {
    if (!this.barsSent || this.barsSent.close !== close) return undefined;
    return this.market;
  }

  /** Renders and writes report.html, on the helper thread when it holds these bars, else here. */
  async writeHtml(report: Report, bars: BarColumns | undefined, file: string): Promise<void> {
    if (this.worker && bars && bars === this.barsSent) {
      try {
        const r = await this.ask({ id: this.nextId++, kind: 'html', report, file });
        if (r.ok) return;
      } catch {
        // fall through: render here
      }
    }
    fs.writeFileSync(file, renderHtml(report, bars));
  }

  /** Stops the helper thread. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

