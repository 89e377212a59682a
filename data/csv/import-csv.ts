import path from 'node:path';
import { UserError, type EpochMs } from '../../engine/domain/index.js';
import type { BarStore, SeriesKey } from '../../engine/ports/index.js';
import { readCsvBars, type TimestampUnit } from './csv-bar-reader.js';

/** A bar store that can run several upserts as one transaction (SqliteBarStore). */
export interface ImportTarget {
  upsert: BarStore['upsert'];
  transaction<T>(fn: () => T): T;
}

export type ImportCsvOptions = {
  /** Import the good rows and report the bad ones, instead of refusing the whole file. */
  readonly skipInvalid?: boolean;
  /** Source recorded in the series metadata; default `csv:<file name>`. */
  readonly source?: string;
  /** How many problem messages to keep (default 20). */
  readonly maxProblems?: number;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Rows per store write inside the one transaction (memory bound for huge files); default 262144. */
  readonly batchRows?: number;
};

export type ImportReport = {
  readonly file: string;
  readonly instrument: string;
  readonly timeframe: string;
  readonly layout: 'header' | 'binance' | 'plain';
  readonly delimiter: string;
  readonly timestampUnit: TimestampUnit | undefined;
  /** Data rows in the file. */
  readonly rows: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Bad rows left out (only with skipInvalid; otherwise the import is refused). */
  readonly skipped: number;
  /** The first problems, `row N of "file": …`. */
  readonly problems: readonly string[];
  readonly first: EpochMs | undefined;
  readonly last: EpochMs | undefined;
};

class Refused extends Error {}

/**
 * Imports a CSV file of bars into one series, streaming it in batches inside ONE transaction:
 * any bad row (unless skipInvalid) or any failure rolls everything back, so the store is exactly as before.
 */
export function importCsv(store: ImportTarget, file: string, key: SeriesKey, opts: ImportCsvOptions = {}): ImportReport {
  const source = opts.source ?? `csv:${path.basename(file)}`;
  let inserted = 0, updated = 0, unchanged = 0;
  let stats: ReturnType<typeof readCsvBars> | undefined;
  try {
    store.transaction(() => {
      stats = readCsvBars(
        file,
        { timeframe: key.timeframe, stopAtFirstProblem: !opts.skipInvalid, maxProblems: opts.maxProblems ?? 20, onProgress: opts.onProgress, batchRows: opts.batchRows },
        (bars) => {
          const r = store.upsert(key, bars, { source });
          inserted += r.inserted;
          updated += r.updated;
          unchanged += r.unchanged;
        },
      );
      if (stats.problemCount > 0 && !opts.skipInvalid) throw new Refused();
      if (stats.accepted === 0) throw new Refused();
    });
  } catch (e) {
    if (!(e instanceof Refused) || !stats) throw e;
    const label = `"${path.basename(file)}"`;
    const s = stats;
    const more = s.problemCount > s.problems.length ? `\n… and ${s.problemCount - s.problems.length} more` : '';
    const why =
      s.problemCount === 0
        ? `refused to import ${label}: no rows`
        : s.accepted === 0 && opts.skipInvalid
          ? `refused to import ${label}: all ${s.problemCount} rows are bad; nothing was written`
          : `refused to import ${label}: ${s.problemCount} bad row${s.problemCount === 1 ? '' : 's'} of ${s.rows}; nothing was written (fix them, or pass --skip-invalid to import the good rows)`;
    throw new UserError(why, s.problems.join('\n') + more);
  }
  const s = stats!;
  return {
    file,
    instrument: key.instrument,
    timeframe: key.timeframe,
    layout: s.layout,
    delimiter: s.delimiter,
    timestampUnit: s.timestampUnit,
    rows: s.rows,
    inserted,
    updated,
    unchanged,
    skipped: s.problemCount,
    problems: s.problems,
    first: s.first,
    last: s.last,
  };
}
