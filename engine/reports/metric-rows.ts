import type { Metrics, MetricKey } from './metrics.js';

export type MetricFormat = 'time' | 'duration' | 'percent' | 'money' | 'ratio' | 'count';

/** Display label (backtesting.py's wording where it has one) and format of each metric, in display order. */
export const METRIC_LABELS: readonly { readonly key: MetricKey; readonly label: string; readonly format: MetricFormat }[] = [
  { key: 'startTime', label: 'Start', format: 'time' },
  { key: 'endTime', label: 'End', format: 'time' },
  { key: 'durationMs', label: 'Duration', format: 'duration' },
  { key: 'exposureFrac', label: 'Exposure Time [%]', format: 'percent' },
  { key: 'equityInitial', label: 'Equity Initial', format: 'money' },
  { key: 'equityFinal', label: 'Equity Final', format: 'money' },
  { key: 'equityPeak', label: 'Equity Peak', format: 'money' },
  { key: 'feesPaid', label: 'Commissions (fees paid)', format: 'money' },
  { key: 'returnFrac', label: 'Return [%]', format: 'percent' },
  { key: 'buyHoldReturnFrac', label: 'Buy & Hold Return [%]', format: 'percent' },
  { key: 'returnAnnFrac', label: 'Return (Ann.) [%]', format: 'percent' },
  { key: 'volatilityAnnFrac', label: 'Volatility (Ann.) [%]', format: 'percent' },
  { key: 'cagrFrac', label: 'CAGR [%]', format: 'percent' },
  { key: 'sharpe', label: 'Sharpe Ratio', format: 'ratio' },
  { key: 'sortino', label: 'Sortino Ratio', format: 'ratio' },
  { key: 'calmar', label: 'Calmar Ratio', format: 'ratio' },
  { key: 'probabilisticSharpe', label: 'Probabilistic Sharpe [%]', format: 'percent' },
  { key: 'alphaFrac', label: 'Alpha [%]', format: 'percent' },
  { key: 'beta', label: 'Beta', format: 'ratio' },
  { key: 'maxDrawdownFrac', label: 'Max. Drawdown [%]', format: 'percent' },
  { key: 'avgDrawdownFrac', label: 'Avg. Drawdown [%]', format: 'percent' },
  { key: 'maxDrawdownDurationMs', label: 'Max. Drawdown Duration', format: 'duration' },
  { key: 'avgDrawdownDurationMs', label: 'Avg. Drawdown Duration', format: 'duration' },
  { key: 'tradeCount', label: '# Trades', format: 'count' },
  { key: 'winRateFrac', label: 'Win Rate [%]', format: 'percent' },
  { key: 'bestTradeFrac', label: 'Best Trade [%]', format: 'percent' },
  { key: 'worstTradeFrac', label: 'Worst Trade [%]', format: 'percent' },
  { key: 'avgTradeFrac', label: 'Avg. Trade [%]', format: 'percent' },
  { key: 'maxTradeDurationMs', label: 'Max. Trade Duration', format: 'duration' },
  { key: 'avgTradeDurationMs', label: 'Avg. Trade Duration', format: 'duration' },
  { key: 'profitFactor', label: 'Profit Factor', format: 'ratio' },
  { key: 'expectancyFrac', label: 'Expectancy [%]', format: 'percent' },
  { key: 'sqn', label: 'SQN', format: 'ratio' },
  { key: 'kellyFrac', label: 'Kelly Criterion', format: 'ratio' },
  { key: 'maxConsecutiveWins', label: 'Max. Consecutive Wins', format: 'count' },
  { key: 'maxConsecutiveLosses', label: 'Max. Consecutive Losses', format: 'count' },
  { key: 'bestDayFrac', label: 'Best Day [%]', format: 'percent' },
  { key: 'worstDayFrac', label: 'Worst Day [%]', format: 'percent' },
  { key: 'longTradeCount', label: 'Long Trades', format: 'count' },
  { key: 'longWinRateFrac', label: 'Long Win Rate [%]', format: 'percent' },
  { key: 'longPnl', label: 'Long PnL', format: 'money' },
  { key: 'shortTradeCount', label: 'Short Trades', format: 'count' },
  { key: 'shortWinRateFrac', label: 'Short Win Rate [%]', format: 'percent' },
  { key: 'shortPnl', label: 'Short PnL', format: 'money' },
  { key: 'rejectedOrders', label: 'Rejected Orders', format: 'count' },
  { key: 'ambiguousFills', label: 'Ambiguous Intrabar Fills', format: 'count' },
];

/** Renders one metric value for people: percent for fractions, `3d 04:00:00` for durations, ISO for times, '-' when undefined. */
export function formatMetric(value: number | null, format: MetricFormat): string {
  if (value === null || !Number.isFinite(value)) return '-';
  switch (format) {
    case 'time':
      return new Date(value).toISOString().replace('.000Z', 'Z');
    case 'duration':
      return formatDuration(value);
    case 'percent':
      return (value * 100).toFixed(2);
    case 'money':
      return value.toFixed(2);
    case 'ratio':
      return value.toFixed(3);
    case 'count':
      return String(value);
  }
}

export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const hms = [h, m, s].map((x) => String(x).padStart(2, '0')).join(':');
  return `${sign}${d ? `${d}d ` : ''}${hms}`;
}

/** [label, formatted value] for every metric, in display order. */
export function metricRows(m: Metrics): [string, string][] {
  return METRIC_LABELS.map(({ key, label, format }) => [label, formatMetric(m[key], format)]);
}
