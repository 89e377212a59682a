import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { BarColumns } from '../domain/index.js';
import { metricRows } from './metric-rows.js';
import type { Report } from './report-schema.js';

/** Max candles drawn in report.html; longer series are merged into coarser bars. */
export const MAX_HTML_CANDLES = 5000;

let chartLib: string | undefined;

/** The lightweight-charts standalone build, read once from node_modules so the page works offline. */
function lightweightChartsSource(): string {
  if (chartLib === undefined) {
    const req = createRequire(import.meta.url);
    const dir = path.dirname(req.resolve('lightweight-charts/package.json'));
    const src = fs.readFileSync(path.join(dir, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
    // Inline <script>: the library must not close the tag early.
    chartLib = src.replace(/<\/script/gi, '<\\/script');
  }
  return chartLib;
}

type Candle = { time: number; open: number; high: number; low: number; close: number };

/** Merges consecutive bars into at most `max` candles (first open, max high, min low, last close, first bar's time). */
export function resampleCandles(bars: BarColumns, max = MAX_HTML_CANDLES): Candle[] {
  const n = bars.length;
  const k = Math.max(1, Math.ceil(n / max));
  const out: Candle[] = [];
  for (let s = 0; s < n; s += k) {
    const e = Math.min(n, s + k);
    let hi = -Infinity, lo = Infinity;
    for (let i = s; i < e; i++) {
      if (bars.high[i]! > hi) hi = bars.high[i]!;
      if (bars.low[i]! < lo) lo = bars.low[i]!;
    }
    out.push({ time: Math.floor(bars.openTime[s]! / 1000), open: bars.open[s]!, high: hi, low: lo, close: bars.close[e - 1]! });
  }
  return out;
}

/** Index of the candle whose time is the last one ≤ t (seconds). */
function candleAt(candles: readonly Candle[], tSec: number): number {
  let lo = 0, hi = candles.length - 1, ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (candles[mid]!.time <= tSec) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

type Marker = { time: number; position: string; color: string; shape: string; text?: string; size?: number };

/** Above this many trades, markers are merged per candle (one per kind, labelled with the count). */
const BUSY_TRADES = 100;
/** Above this many merged markers, they carry no count label (the labels would cover the chart). */
const MAX_LABELLED_MARKERS = 400;

/**
 * Entry and exit markers on the candles. With few trades, one marker per entry (L/S) and exit (x).
 * With many, several trades share a candle: one marker per candle and kind (long entry, short entry,
 * winning exit, losing exit), small; labelled with how many trades it stands for (when more than one)
 * only while there are few enough markers for labels to stay readable.
 */
function tradeMarkers(r: Report, candles: readonly Candle[]): Marker[] {
  const primary = r.benchmark.instrument;
  const busy = r.trades.length > BUSY_TRADES;
  const markers: Marker[] = [];
  // busy: kind k of candle c is slot c·4 + k (0 long entry, 1 short entry, 2 winning exit, 3 losing exit).
  const counts = busy ? new Uint32Array(candles.length * 4) : undefined;
  for (const t of r.trades) {
    if (t.instrument !== primary) continue;
    const long = t.direction === 'long';
    const ce = candleAt(candles, Math.floor(t.entryTime / 1000));
    const cx = candleAt(candles, Math.floor(t.exitTime / 1000));
    if (counts) {
      counts[ce * 4 + (long ? 0 : 1)]!++;
      counts[cx * 4 + (t.pnl >= 0 ? 2 : 3)]!++;
      continue;
    }
    markers.push({ time: candles[ce]!.time, position: long ? 'belowBar' : 'aboveBar', color: long ? '#16a34a' : '#dc2626', shape: long ? 'arrowUp' : 'arrowDown', text: long ? 'L' : 'S' });
    markers.push({ time: candles[cx]!.time, position: long ? 'aboveBar' : 'belowBar', color: t.pnl >= 0 ? '#2563eb' : '#9333ea', shape: 'circle', text: 'x' });
  }
  if (!counts) return markers.sort((a, b) => a.time - b.time);
  const kinds = [
    { position: 'belowBar', color: '#16a34a', shape: 'arrowUp', size: 0.5 },
    { position: 'aboveBar', color: '#dc2626', shape: 'arrowDown', size: 0.5 },
    { position: 'aboveBar', color: '#2563eb', shape: 'circle', size: 0.4 },
    { position: 'belowBar', color: '#9333ea', shape: 'circle', size: 0.4 },
  ] as const;
  let used = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) used++;
  const labelled = used <= MAX_LABELLED_MARKERS;
  for (let c = 0; c < candles.length; c++) {
    for (let k = 0; k < 4; k++) {
      const n = counts[c * 4 + k]!;
      if (n > 0) markers.push({ time: candles[c]!.time, ...kinds[k]!, ...(labelled && n > 1 ? { text: String(n) } : {}) });
    }
  }
  return markers;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * report.html: one self-contained page (no network): candlesticks of the primary series with entry
 * and exit markers (when bars are given), the equity and drawdown curves, and the metrics table.
 * Synthetic data is labelled in the title and a banner.
 */
export function renderHtml(r: Report, primaryBars?: BarColumns): string {
  const candles = primaryBars && primaryBars.length ? resampleCandles(primaryBars) : [];
  const primary = r.benchmark.instrument;
  const markers = candles.length ? tradeMarkers(r, candles) : [];
  const equity: { time: number; value: number }[] = [];
  const drawdown: { time: number; value: number }[] = [];
  let peak = -Infinity;
  for (let i = 0; i < r.equity.time.length; i++) {
    const t = Math.floor(r.equity.time[i]! / 1000);
    const v = r.equity.equity[i]!;
    if (v > peak) peak = v;
    const dd = peak > 0 ? (v / peak - 1) * 100 : 0;
    if (equity.length && equity[equity.length - 1]!.time >= t) continue; // strictly ascending times
    equity.push({ time: t, value: v });
    drawdown.push({ time: t, value: dd });
  }
  const data = JSON.stringify({ candles, markers, equity, drawdown }).replace(/</g, '\\u003c');
  const rows = metricRows(r.metrics)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('\n');
  const params = Object.entries(r.strategy.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const dataLines = r.data
    .map((d) => `${d.instrument} ${d.timeframe} · ${new Date(d.from).toISOString()} → ${new Date(d.to).toISOString()} · ${d.count} bars · hash ${d.hash.slice(0, 16)}${d.synthetic ? ' · SYNTHETIC' : ''}`)
    .map((s) => `<li>${esc(s)}</li>`)
    .join('');
  const title = `${r.synthetic ? 'SYNTHETIC — ' : ''}${r.strategy.ref} · ${r.runId}`;
  const banner = r.synthetic
    ? '<div class="banner">SYNTHETIC DATA — generated prices, not market data. Figures say nothing about real markets.</div>'
    : '';
  const partial = r.partial
    ? `<div class="banner">PARTIAL RESULTS — the run stopped early at ${esc(new Date(r.partial.at).toISOString())}: ${esc(r.partial.reason)}</div>`
    : '';
  const sampled = r.equity.sampling === 'full' ? '' : ` (downsampled from ${r.equity.sourcePoints} points: low, high and last of every ${r.equity.bucketSize})`;
  const candleNote = !candles.length
    ? '<p class="note">No price chart: the bars were not passed to the report writer.</p>'
    : primaryBars && candles.length < primaryBars.length
      ? `<p class="note">${primaryBars.length} bars merged into ${candles.length} candles.</p>`
      : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;padding:16px 24px;background:#fafafa;color:#111}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px;color:#333}
.meta{color:#444;font-size:13px} .meta ul{margin:4px 0;padding-left:18px}
.banner{background:#b91c1c;color:#fff;font-weight:700;padding:10px 14px;margin:0 0 12px;border-radius:4px;letter-spacing:.5px}
.chart{width:100%;border:1px solid #ddd;background:#fff}
.note{font-size:12px;color:#666;margin:2px 0}
.layout{display:flex;gap:24px;align-items:flex-start} .charts{flex:1;min-width:0}
table{border-collapse:collapse;font-size:13px;background:#fff} th{text-align:left;font-weight:500;color:#333;padding:2px 12px 2px 6px}
td{text-align:right;font-variant-numeric:tabular-nums;padding:2px 6px} tr:nth-child(even){background:#f3f4f6}
</style></head><body>
${banner}${partial}<h1>${esc(r.strategy.ref)}${params ? ` <small>${esc(params)}</small>` : ''}</h1>
<div class="meta">Run <code>${esc(r.runId)}</code> · Candlekeep ${esc(r.engine.version)} · cash ${r.cash} · fee rate ${r.feeRate}<ul>${dataLines}</ul></div>
<div class="layout"><div class="charts">
<h2>Price — ${esc(primary)}</h2>${candleNote}<div id="price" class="chart" style="height:420px"></div>
<h2>Equity${esc(sampled)}</h2><div id="equity" class="chart" style="height:240px"></div>
<h2>Drawdown [%]</h2><div id="drawdown" class="chart" style="height:170px"></div>
</div><div><h2>Metrics</h2><table>${rows}</table></div></div>
<script>${lightweightChartsSource()}</script>
<script>
(function(){
var D=${data};
var LC=window.LightweightCharts;
var base={layout:{background:{color:'#ffffff'},textColor:'#222'},grid:{vertLines:{color:'#f0f0f0'},horzLines:{color:'#f0f0f0'}},timeScale:{timeVisible:true,secondsVisible:false,minBarSpacing:0.001},rightPriceScale:{borderVisible:false}};
function mk(id){var el=document.getElementById(id);return LC.createChart(el,Object.assign({},base,{width:el.clientWidth,height:el.clientHeight}));}
var charts=[];
if(D.candles.length){var pc=mk('price');var cs=pc.addSeries(LC.CandlestickSeries,{upColor:'#16a34a',downColor:'#dc2626',borderVisible:false,wickUpColor:'#16a34a',wickDownColor:'#dc2626'});cs.setData(D.candles);if(D.markers.length)LC.createSeriesMarkers(cs,D.markers);pc.timeScale().fitContent();charts.push(pc);}
else{document.getElementById('price').style.display='none';}
var ec=mk('equity');var es=ec.addSeries(LC.LineSeries,{color:'#2563eb',lineWidth:2});es.setData(D.equity);ec.timeScale().fitContent();charts.push(ec);
var dc=mk('drawdown');var ds=dc.addSeries(LC.AreaSeries,{lineColor:'#dc2626',topColor:'rgba(220,38,38,0.05)',bottomColor:'rgba(220,38,38,0.4)',lineWidth:1,invertFilledArea:true});ds.setData(D.drawdown);dc.timeScale().fitContent();charts.push(dc);
// Equity and drawdown share their time points: keep their views in step (by logical index).
var syncing=false;
[[ec,dc],[dc,ec]].forEach(function(p){p[0].timeScale().subscribeVisibleLogicalRangeChange(function(r){if(syncing||!r)return;syncing=true;p[1].timeScale().setVisibleLogicalRange(r);syncing=false;});});
window.addEventListener('resize',function(){charts.forEach(function(c){var el=c.chartElement().parentElement;c.applyOptions({width:el.clientWidth});});});
})();
</script>
</body></html>
`;
}
