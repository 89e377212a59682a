import { UserError, unknownName } from './errors.js';

/** Milliseconds since the Unix epoch, UTC. */
export type EpochMs = number;

/** Timeframes as ccxt strings. */
export const TIMEFRAMES = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
} as const satisfies Record<string, number>;

export type Timeframe = keyof typeof TIMEFRAMES;

export function isTimeframe(s: string): s is Timeframe {
  return Object.prototype.hasOwnProperty.call(TIMEFRAMES, s);
}

/** Validates a ccxt timeframe string; throws a UserError with a suggestion. */
export function parseTimeframe(s: string, field = 'timeframe'): Timeframe {
  if (isTimeframe(s)) return s;
  const e = unknownName(field, s, Object.keys(TIMEFRAMES));
  throw e;
}

export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAMES[tf];
}

/**
 * Parses a user-given date/time: ISO-8601 (`2024-01-01`, `2024-01-01T12:00Z`), or epoch ms/s digits.
 * Dates without a zone are UTC.
 */
export function parseTime(s: string, field: string): EpochMs {
  const t = s.trim();
  if (/^\d{13}$/.test(t)) return Number(t);
  if (/^\d{10}$/.test(t)) return Number(t) * 1000;
  let iso = t;
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso = iso.replace(' ', 'T') + 'Z';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new UserError(`${field}: "${s}" is not a date (use ISO-8601 like 2024-01-01 or 2024-01-01T12:00Z, or epoch ms)`);
  return ms;
}

export function isoUtc(ms: EpochMs): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Parses a duration like `90d`, `24h`, `30m`, `15s`, `500ms`. */
export function parseDurationMs(s: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(s.trim());
  if (!m) throw new UserError(`${field}: "${s}" is not a duration (use e.g. 90d, 24h, 30m, 15s)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Math.round(Number(m[1]) * unit);
}
