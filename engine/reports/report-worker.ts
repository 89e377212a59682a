/**
 * Helper thread of `candlekeep backtest` (see report-helper.ts). While the engine runs on the main thread it
 * prepares what depends on the bars alone: the market's log returns (for beta) and report.html's candles;
 * once the report is built it renders and writes report.html while the main thread writes the rest.
 * The bars arrive in shared memory (no copy).
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { BarColumns } from '../domain/index.js';
import { marketLogReturns } from './market-returns.js';
import { htmlCandles, preloadChartLibrary, renderHtml, type HtmlCandles } from './render-html.js';
import type { HelperReply, HelperRequest } from './report-helper.js';

let candles: HtmlCandles | undefined;
let bars: BarColumns | undefined;

const port = parentPort;
if (port) {
  port.on('message', (m: HelperRequest) => {
    try {
      if (m.kind === 'bars') {
        bars = m.bars;
        const r = marketLogReturns(m.bars.close);
        const reply: HelperReply = { id: m.id, ok: true, market: r };
        port.postMessage(reply, [r.y.buffer as ArrayBuffer]);
        candles = htmlCandles(m.bars);
        preloadChartLibrary();
      } else {
        fs.writeFileSync(m.file, renderHtml(m.report, candles ?? bars));
        const reply: HelperReply = { id: m.id, ok: true };
        port.postMessage(reply);
      }
    } catch (e) {
      const reply: HelperReply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
      port.postMessage(reply);
    }
  });
}
