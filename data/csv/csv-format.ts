import { UserError } from '../../engine/domain/index.js';

/** Where each bar field sits in a row (column indexes), and how many columns a row has. */
export type CsvLayout = {
  /** `header`: named columns; `binance`: a 12-column kline dump without header; `plain`: 6 columns without header. */
  readonly kind: 'header' | 'binance' | 'plain';
  readonly delimiter: string;
  readonly columns: number;
  /** Column index of timestamp, open, high, low, close, volume. */
  readonly index: readonly [number, number, number, number, number, number];
  /** Column names for messages (header names, or the bar field names). */
  readonly names: readonly string[];
  readonly hasHeader: boolean;
};

export const FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Header names accepted per field, in order of preference. */
const ALIASES: Record<(typeof FIELDS)[number], readonly string[]> = {
  timestamp: [
    'timestamp', 'timestamp_ms', 'timestamp_s', 'timestamp_us', 'time', 'open_time', 'opentime', 'date', 'datetime',
    'date_time', 'ts', 'unix', 'unix_time', 'time_ms', 'openTimeInMillis', 'start', 'start_time', 't',
  ],
  open: ['open', 'o', 'open_price'],
  high: ['high', 'h', 'high_price', 'max'],
  low: ['low', 'l', 'low_price', 'min'],
  close: ['close', 'c', 'close_price', 'last'],
  volume: ['volume', 'vol', 'v', 'base_volume', 'volume_base', 'volumefrom'],
};

const DELIMITERS = [',', ';', '\t', '|'] as const;

function normalise(name: string): string {
  return name.trim().replace(/^["']|["']$/g, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function looksLikeData(field: string): boolean {
  const f = field.trim().replace(/^["']|["']$/g, '');
  return /^[+-]?\d/.test(f);
}

/** Picks the delimiter that splits the first line into the most fields. */
export function detectDelimiter(line: string): string {
  let best: string = ',';
  let bestN = 0;
  for (const d of DELIMITERS) {
    const n = line.split(d).length - 1;
    if (n > bestN) { best = d; bestN = n; }
  }
  return best;
}

/** Works out the layout from the first non-empty line of the file. */
export function detectLayout(firstLine: string, fileLabel: string): CsvLayout {
  const delimiter = detectDelimiter(firstLine);
  const cells = firstLine.split(delimiter);
  if (cells.length < 2) {
    throw new UserError(`${fileLabel}: the first line has a single column; expected CSV with , ; tab or | between fields`);
  }
  if (looksLikeData(cells[0]!)) {
    if (cells.length === 12) {
      return { kind: 'binance', delimiter, columns: 12, index: [0, 1, 2, 3, 4, 5], names: FIELDS, hasHeader: false };
    }
    if (cells.length === 6) {
      return { kind: 'plain', delimiter, columns: 6, index: [0, 1, 2, 3, 4, 5], names: FIELDS, hasHeader: false };
    }
    throw new UserError(
      `${fileLabel}: no header row and ${cells.length} columns; expected a header, 6 columns (timestamp,open,high,low,close,volume) or a 12-column Binance kline dump`,
    );
  }
  const names = cells.map(normalise);
  const index = FIELDS.map((f) => {
    for (const a of ALIASES[f]) {
      const i = names.indexOf(a.toLowerCase());
      if (i >= 0) return i;
    }
    // `volume_btc`, `Volume BTC`, `volume (base)`…: the first column whose name starts with the field.
    const i = f === 'volume' ? names.findIndex((n) => n.startsWith('volume')) : -1;
    if (i >= 0) return i;
    throw new UserError(`${fileLabel}: the header has no ${f} column (found: ${cells.map((c) => c.trim()).join(', ')})`);
  }) as unknown as CsvLayout['index'];
  return { kind: 'header', delimiter, columns: cells.length, index, names: cells.map((c) => c.trim()), hasHeader: true };
}
