import type { Axis } from './param-space.js';
import type { ParamSet } from './trial.js';

/** The parts of an optimisation or walk-forward result the page shows. */
export type ResearchPage = {
  readonly runId: string;
  readonly strategy: { readonly id: string; readonly version: number };
  readonly objective: string;
  readonly axes: readonly Axis[];
  readonly trials: readonly { rank: number; index: number; params: ParamSet; objective: number | null; metrics: Record<string, number | null> | null; error?: string }[];
  readonly overfitting?: { deflatedSharpe: { dsr: number; sr0: number; sr: number; trials: number } | null; pbo: { pbo: number; splits: number; blocks: number } | null; note?: string };
  readonly data: readonly { instrument: string; timeframe: string; from: number; to: number; count: number; synthetic: boolean }[];
  readonly interrupted?: boolean;
  readonly windows?: readonly { index: number; isFrom: number; isTo: number; oosFrom: number; oosTo: number; params: ParamSet; isObjective: number | null; oosObjective: number | null; oosReturnFrac: number | null }[];
  readonly oosEquity?: { time: readonly number[]; equity: readonly number[] };
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (v: number | null | undefined, d = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(d);
const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** Colour for t in [0, 1]: dark blue → teal → yellow (viridis-like), as an rgb() string. */
function colour(t: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i]!.map((a, k) => Math.round(a + (stops[i + 1]![k]! - a) * f));
  return `rgb(${c.join(',')})`;
}

function heatmap(p: ResearchPage): string {
  if (p.axes.length !== 2) return p.axes.length > 2 ? '<p class="muted">Heatmap: shown for searches over exactly 2 params.</p>' : '';
  const [ax, ay] = p.axes as [Axis, Axis];
  const cell = new Map<string, number | null>();
  for (const t of p.trials) cell.set(`${String(t.params[ax.name])}|${String(t.params[ay.name])}`, t.objective);
  const vals = [...cell.values()].filter((v): v is number => v !== null).sort((a, b) => a - b);
  const lo = vals[0]!, hi = vals[vals.length - 1]!;
  // Colour by rank, so a few extreme values do not wash out the rest of the map.
  const rankOf = (v: number) => {
    let a = 0, b = vals.length;
    while (a < b) { const m = (a + b) >> 1; if (vals[m]! < v) a = m + 1; else b = m; }
    return vals.length > 1 ? a / (vals.length - 1) : 0.5;
  };
  const cw = Math.max(14, Math.min(48, Math.floor(720 / ax.values.length))), ch = Math.max(12, Math.min(32, Math.floor(480 / ay.values.length)));
  const W = 70 + cw * ax.values.length, H = 40 + ch * ay.values.length;
  const rects: string[] = [];
  ay.values.forEach((y, j) => {
    ax.values.forEach((x, i) => {
      const v = cell.get(`${String(x)}|${String(y)}`);
      const fill = v === undefined ? '#f4f4f4' : v === null ? '#ddd' : colour(rankOf(v));
      const title = `${ax.name}=${String(x)}, ${ay.name}=${String(y)}: ${v === undefined ? 'not run' : fmt(v)}`;
      rects.push(`<rect x="${60 + i * cw}" y="${(ay.values.length - 1 - j) * ch}" width="${cw - 1}" height="${ch - 1}" fill="${fill}"><title>${esc(title)}</title></rect>`);
    });
  });
  const xl = ax.values.map((x, i) => (i % Math.ceil(ax.values.length / 12) === 0 ? `<text x="${60 + i * cw + cw / 2}" y="${ay.values.length * ch + 14}" text-anchor="middle">${esc(String(x))}</text>` : '')).join('');
  const yl = ay.values.map((y, j) => (j % Math.ceil(ay.values.length / 12) === 0 ? `<text x="55" y="${(ay.values.length - 1 - j) * ch + ch / 2 + 4}" text-anchor="end">${esc(String(y))}</text>` : '')).join('');
  return `<h2>${esc(p.objective)} by ${esc(ax.name)} × ${esc(ay.name)}</h2>
<svg width="${W}" height="${H}" font-size="11">${rects.join('')}${xl}${yl}
<text x="${60 + (cw * ax.values.length) / 2}" y="${ay.values.length * ch + 32}" text-anchor="middle" font-weight="bold">${esc(ax.name)}</text>
<text x="12" y="${(ay.values.length * ch) / 2}" transform="rotate(-90 12 ${(ay.values.length * ch) / 2})" text-anchor="middle" font-weight="bold">${esc(ay.name)}</text></svg>
<p class="muted">Colour by rank: worst ${fmt(lo)} (dark) … best ${fmt(hi)} (yellow); grey: no value; light: not run (constraint or random search). Hover a cell for its value.</p>`;
}

function histogram(p: ResearchPage): string {
  const vals = p.trials.map((t) => t.objective).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (vals.length < 2) return '';
  // Bins span the 2nd..98th percentile; values outside are counted in the edge bins.
  const lo = vals[Math.floor((vals.length - 1) * 0.02)]!, hi = vals[Math.ceil((vals.length - 1) * 0.98)]!;
  const bins = Math.max(5, Math.min(40, Math.round(Math.sqrt(vals.length))));
  const counts = new Array<number>(bins).fill(0);
  for (const v of vals) counts[hi > lo ? Math.max(0, Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))) : 0]!++;
  const max = Math.max(...counts);
  const W = 720, H = 200, bw = W / bins;
  const bars = counts.map((c, i) => `<rect x="${i * bw}" y="${H - (c / max) * H}" width="${bw - 2}" height="${(c / max) * H}" fill="#3b528b"><title>${fmt(lo + (i * (hi - lo)) / bins)} … ${fmt(lo + ((i + 1) * (hi - lo)) / bins)}: ${c}</title></rect>`).join('');
  return `<h2>Distribution of ${esc(p.objective)} over ${vals.length} trials</h2>
<svg width="${W}" height="${H + 20}" font-size="11">${bars}<text x="0" y="${H + 15}">${fmt(lo)}</text><text x="${W}" y="${H + 15}" text-anchor="end">${fmt(hi)}</text></svg>`;
}

function lineChart(time: readonly number[], values: readonly number[], title: string): string {
  if (values.length < 2) return '';
  const W = 900, H = 240;
  const step = Math.max(1, Math.floor(values.length / 2000));
  const lo = Math.min(...values), hi = Math.max(...values);
  const t0 = time[0]!, t1 = time[time.length - 1]!;
  const pts: string[] = [];
  for (let i = 0; i < values.length; i += step) pts.push(`${(((time[i]! - t0) / (t1 - t0 || 1)) * W).toFixed(1)},${(H - ((values[i]! - lo) / (hi - lo || 1)) * H).toFixed(1)}`);
  return `<h2>${esc(title)}</h2><svg width="${W}" height="${H + 20}" font-size="11"><polyline fill="none" stroke="#21918c" stroke-width="1.5" points="${pts.join(' ')}"/>
<text x="0" y="${H + 15}">${iso(t0)}</text><text x="${W}" y="${H + 15}" text-anchor="end">${iso(t1)}</text><text x="4" y="12">${fmt(hi)}</text><text x="4" y="${H - 4}">${fmt(lo)}</text></svg>`;
}

export function renderResearchHtml(p: ResearchPage, kind: 'optimisation' | 'walk-forward'): string {
  const synthetic = p.data.some((d) => d.synthetic);
  const top = p.trials.slice(0, 20);
  const pNames = p.axes.map((a) => a.name);
  const mNames = ['returnFrac', 'sharpe', 'maxDrawdownFrac', 'tradeCount', 'winRateFrac', 'equityFinal'];
  const rows = top.map((t) => `<tr><td>${t.rank}</td>${pNames.map((n) => `<td>${esc(String(t.params[n]))}</td>`).join('')}<td><b>${fmt(t.objective)}</b></td>${mNames.map((m) => `<td>${fmt(t.metrics?.[m] ?? null)}</td>`).join('')}</tr>`).join('');
  const o = p.overfitting;
  const ovf = o ? `<h2>Overfitting</h2><table class="kv">
<tr><th>Deflated Sharpe Ratio</th><td>${o.deflatedSharpe ? `${fmt(o.deflatedSharpe.dsr)} (SR ${fmt(o.deflatedSharpe.sr)} vs SR₀ ${fmt(o.deflatedSharpe.sr0)} expected from ${o.deflatedSharpe.trials} trials by luck)` : '—'}</td></tr>
<tr><th>Probability of Backtest Overfitting</th><td>${o.pbo ? `${fmt(o.pbo.pbo)} (CSCV, ${o.pbo.blocks} blocks, ${o.pbo.splits} splits)` : '—'}</td></tr>
${o.note ? `<tr><th>Note</th><td>${esc(o.note)}</td></tr>` : ''}</table>
<p class="muted">DSR: Bailey &amp; López de Prado (2014); PBO: Bailey, Borwein, López de Prado &amp; Zhu (2017). DSR near 1 and PBO near 0 are good; a PBO above 0.5 means the in-sample winner is more likely than not below the median out of sample.</p>` : '';
  const win = p.windows ? `<h2>Walk-forward windows</h2><table><tr><th>#</th><th>in-sample</th><th>out-of-sample</th><th>params</th><th>IS ${esc(p.objective)}</th><th>OOS ${esc(p.objective)}</th><th>OOS return</th></tr>
${p.windows.map((w) => `<tr><td>${w.index}</td><td>${iso(w.isFrom)} → ${iso(w.isTo)}</td><td>${iso(w.oosFrom)} → ${iso(w.oosTo)}</td><td>${esc(Object.entries(w.params).filter(([k]) => pNames.includes(k)).map(([k, v]) => `${k}=${String(v)}`).join(' '))}</td><td>${fmt(w.isObjective)}</td><td>${fmt(w.oosObjective)}</td><td>${fmt(w.oosReturnFrac)}</td></tr>`).join('')}</table>` : '';
  const eq = p.oosEquity ? lineChart(p.oosEquity.time, p.oosEquity.equity, 'Stitched out-of-sample equity') : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(kind)} ${esc(p.runId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f6f6f6}.kv th{text-align:left}.muted{color:#777;font-size:12px}.synthetic{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px;display:inline-block}</style></head><body>
<h1>${kind === 'optimisation' ? 'Optimisation' : 'Walk-forward'} — ${esc(p.strategy.id)}@${p.strategy.version}</h1>
${synthetic ? '<p class="synthetic"><b>SYNTHETIC DATA</b> — generated bars, not market history.</p>' : ''}
${p.interrupted ? '<p class="synthetic"><b>INTERRUPTED</b> — partial results: not every candidate finished.</p>' : ''}
<p>Run <code>${esc(p.runId)}</code> · objective <b>${esc(p.objective)}</b> · ${p.data.map((d) => `${esc(d.instrument)} ${esc(d.timeframe)} ${iso(d.from)} → ${iso(d.to)} (${d.count} bars)`).join('; ')}</p>
${win}${eq}${ovf}${heatmap(p)}${histogram(p)}
<h2>Top ${top.length} ${kind === 'walk-forward' ? 'candidates of the last window' : 'trials'}</h2>
<table><tr><th>rank</th>${pNames.map((n) => `<th>${esc(n)}</th>`).join('')}<th>${esc(p.objective)}</th>${mNames.map((m) => `<th>${m}</th>`).join('')}</tr>${rows}</table>
</body></html>
`;
}
