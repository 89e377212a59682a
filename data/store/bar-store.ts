import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, lowerBound, parseTimeframe, sliceBarColumns, timeframeMs, UserError, type BarColumns, type EpochMs, type InstrumentId, type MarketRules, type Timeframe } from '../../engine/domain/index.js';
import type { BarStore, SeriesInfo, SeriesKey, StoredMarketRules, TimeRange, UpsertResult } from '../../engine/ports/index.js';
import { homePaths } from '../../config/home.js';
import { dbError, migrate, openDatabase, type Db, type Migration } from './db.js';
import { BarHasher, chunkView, decodeChunk, encodeChunk } from './bar-codec.js';
import { SNAPSHOT_MIN_BARS, dropSnapshots, readSnapshot, snapshotDirOf, toShared, writeSnapshot } from './bar-snapshot.js';

/**
 * Bars per chunk. A chunk covers a fixed, epoch-aligned time span of CHUNK_BARS × timeframe, so a bar
 * always lands in the same chunk: an upsert rewrites only the chunks its bars fall into, and a range
 * read decodes whole columns with a handful of memcpy calls.
 */
export const CHUNK_BARS = 5120;
// 5120 × 40 bytes (a gap-free chunk) = 204800: with 64 KiB pages SQLite keeps 8204 bytes in the b-tree leaf
// and fills exactly three overflow pages, so a full chunk wastes no page space.


const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) => {
      db.exec(`
        CREATE TABLE bar_series (
          id         INTEGER PRIMARY KEY,
          instrument TEXT NOT NULL,
          timeframe  TEXT NOT NULL,
          source     TEXT NOT NULL,
          synthetic  INTEGER NOT NULL DEFAULT 0,
          count      INTEGER NOT NULL,
          first      INTEGER NOT NULL,
          last       INTEGER NOT NULL,
          -- Derived from the bars; NULL after a write, recomputed and cached on the next info().
          hash       TEXT,
          missing    INTEGER,
          gaps       INTEGER,
          UNIQUE (instrument, timeframe)
        );
        CREATE TABLE bar_chunks (
          series_id   INTEGER NOT NULL REFERENCES bar_series(id) ON DELETE CASCADE,
          chunk_start INTEGER NOT NULL,
          n           INTEGER NOT NULL,
          first_t     INTEGER NOT NULL,
          last_t      INTEGER NOT NULL,
          -- 1: bars on consecutive grid slots, openTime column omitted (see bar-codec.ts).
          regular     INTEGER NOT NULL,
          data        BLOB NOT NULL,
          PRIMARY KEY (series_id, chunk_start)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    up: (db) => {
      db.exec(`
        -- An instrument's trading rules as last read from its exchange (ccxt market precision and limits).
        CREATE TABLE market_rules (
          instrument   TEXT PRIMARY KEY,
          amount_step  REAL NOT NULL,
          price_step   REAL NOT NULL,
          min_amount   REAL NOT NULL,
          min_notional REAL NOT NULL,
          source       TEXT NOT NULL,
          updated_at   INTEGER NOT NULL
        );
      `);
    },
  },
];

type MarketRulesRow = { amount_step: number; price_step: number; min_amount: number; min_notional: number; source: string; updated_at: number };

type ChunkRow = { chunk_start: number; n: number; first_t: number; regular: number; data: Buffer };

type SeriesRow = {
  id: number;
  instrument: string;
  timeframe: string;
  source: string;
  synthetic: number;
  count: number;
  first: number;
  last: number;
  hash: string | null;
  missing: number | null;
  gaps: number | null;
};

/** SeriesInfo plus the number of gaps (runs of missing bars), which `data list` shows. */
export type SeriesSummary = SeriesInfo & { readonly gaps: number };

const MIN_T = -8.64e15;
const MAX_T = 8.64e15;

/**
 * BarStore on better-sqlite3: one row per (series, time-aligned chunk of CHUNK_BARS bars), the bars
 * packed as six float64 columns in a BLOB. Every multi-row write runs in one transaction.
 */
export class SqliteBarStore implements BarStore {
  private readonly st;

  /** Where the columnar read cache lives (`<home>/cache/bars`), or undefined to do without it. */
  private readonly snapshotDir: string | undefined;

  constructor(
    private readonly db: Db,
    /** The database file, for error messages. */
    readonly file: string = db.name,
    opts: { readonly snapshots?: boolean } = {},
  ) {
    this.snapshotDir = opts.snapshots === false || file === ':memory:' || file === '' ? undefined : snapshotDirOf(file);
    try {
      // Range reads straight from the mapped file: no copy through SQLite's page cache.
      db.pragma('mmap_size = 1073741824');
      if (db.readonly) {
        const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bar_series'").get();
        if (!has) throw new UserError(`no bars are stored in "${file}" yet; import, fetch or synth some first`);
      } else {
        migrate(db, 'bars', MIGRATIONS);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw dbError(file, e);
    }
    this.st = {
      series: db.prepare<[string, string], SeriesRow>('SELECT * FROM bar_series WHERE instrument = ? AND timeframe = ?'),
      allSeries: db.prepare<[], SeriesRow>('SELECT * FROM bar_series ORDER BY instrument, timeframe'),
      newSeries: db.prepare<[string, string, string, number]>(
        'INSERT INTO bar_series (instrument, timeframe, source, synthetic, count, first, last) VALUES (?, ?, ?, ?, 0, 0, 0)',
      ),
      chunk: db.prepare<[number, number], ChunkRow>(
        'SELECT chunk_start, n, first_t, regular, data FROM bar_chunks WHERE series_id = ? AND chunk_start = ?',
      ),
      chunks: db.prepare<[number, number, number], ChunkRow>(
        'SELECT chunk_start, n, first_t, regular, data FROM bar_chunks WHERE series_id = ? AND chunk_start >= ? AND chunk_start < ? ORDER BY chunk_start',
      ),
      putChunk: db.prepare<[number, number, number, number, number, number, Buffer]>(
        'INSERT OR REPLACE INTO bar_chunks (series_id, chunk_start, n, first_t, last_t, regular, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      delChunk: db.prepare<[number, number]>('DELETE FROM bar_chunks WHERE series_id = ? AND chunk_start = ?'),
      totals: db.prepare<[number], { count: number | null; first: number | null; last: number | null }>(
        'SELECT sum(n) AS count, min(first_t) AS first, max(last_t) AS last FROM bar_chunks WHERE series_id = ?',
      ),
      setTotals: db.prepare<[number, number, number, string, number, number]>(
        'UPDATE bar_series SET count = ?, first = ?, last = ?, source = ?, synthetic = ?, hash = NULL, missing = NULL, gaps = NULL WHERE id = ?',
      ),
      setDerived: db.prepare<[string, number, number, number]>('UPDATE bar_series SET hash = ?, missing = ?, gaps = ? WHERE id = ?'),
      delSeries: db.prepare<[number]>('DELETE FROM bar_series WHERE id = ?'),
    };
  }

  upsert(key: SeriesKey, bars: BarColumns, meta: { source: string; synthetic?: boolean }): UpsertResult {
    parseTimeframe(key.timeframe);
    checkBars(bars);
    if (bars.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
    return this.guard(() =>
      this.db.transaction(() => {
        let row = this.st.series.get(key.instrument, key.timeframe);
        if (!row) {
          this.st.newSeries.run(key.instrument, key.timeframe, meta.source, meta.synthetic ? 1 : 0);
          row = this.st.series.get(key.instrument, key.timeframe)!;
        }
        const step = timeframeMs(key.timeframe);
        const span = CHUNK_BARS * step;
        let inserted = 0, updated = 0, unchanged = 0;
        const t = bars.openTime;
        let i = 0;
        while (i < bars.length) {
          const start = Math.floor(t[i]! / span) * span;
          const end = start + span;
          let j = i + 1;
          while (j < bars.length && t[j]! < end) j++;
          const old = this.st.chunk.get(row.id, start);
          if (!old) {
            this.putChunk(row.id, start, bars, i, j, step);
            inserted += j - i;
          } else {
            const m = mergeChunk(decodeRow(old, step), bars, i, j);
            inserted += m.inserted;
            updated += m.updated;
            unchanged += m.unchanged;
            if (m.inserted + m.updated > 0) this.putChunk(row.id, start, m.bars, 0, m.bars.length, step);
          }
          i = j;
        }
        if (inserted + updated > 0) {
          // Totals move incrementally: bars only get added or replaced here, never removed.
          const count = row.count + inserted;
          const first = row.count === 0 ? t[0]! : Math.min(row.first, t[0]!);
          const last = row.count === 0 ? t[bars.length - 1]! : Math.max(row.last, t[bars.length - 1]!);
          const synthetic = row.synthetic === 1 || meta.synthetic === true;
          this.st.setTotals.run(count, first, last, mergeSource(row.source, meta.source), synthetic ? 1 : 0, row.id);
        }
        if (inserted + updated > 0) this.dropSnapshots(key);
        return { inserted, updated, unchanged };
      }).immediate(),
    );
  }

  read(key: SeriesKey, range: TimeRange = {}, opts: { readonly shared?: boolean } = {}): BarColumns {
    // One read transaction: the series row (its content hash) and the chunks come from the same snapshot of the
    // database, so a whole-series read can be filed under that hash (bar-snapshot.ts) even while others write.
    return this.guard(() => this.db.transaction(() => {
      const row = this.st.series.get(key.instrument, key.timeframe);
      if (!row) return allocBarColumns(0, opts);
      const from = range.from ?? MIN_T;
      const to = range.to ?? MAX_T;
      // The cache holds the whole series: worth reading for a range covering most of it, not for a sliver.
      const covered = (Math.min(to, row.last + 1) - Math.max(from, row.first)) / (row.last + 1 - row.first);
      const snap = covered >= 0.5 ? this.snapshot(row) : undefined;
      if (snap) {
        const lo = lowerBound(snap.openTime, from);
        const part = from >= to ? allocBarColumns(0) : sliceBarColumns(snap, lo, Math.max(lo, lowerBound(snap.openTime, to)));
        return opts.shared ? toShared(part) : part;
      }
      const out = this.readRows(row, range, opts);
      if (out.length === row.count) this.saveSnapshot(row, out);
      return out;
    })());
  }

  info(key: SeriesKey): SeriesSummary | undefined {
    return this.guard(() => {
      const row = this.st.series.get(key.instrument, key.timeframe);
      return row ? this.summarise(row) : undefined;
    });
  }

  list(): SeriesSummary[] {
    return this.guard(() => this.st.allSeries.all().map((r) => this.summarise(r)));
  }

  delete(key: SeriesKey, range: TimeRange = {}): number {
    return this.guard(() =>
      this.db.transaction(() => {
        const row = this.st.series.get(key.instrument, key.timeframe);
        if (!row) return 0;
        const from = range.from ?? MIN_T;
        const to = range.to ?? MAX_T;
        if (from >= to) return 0;
        const step = timeframeMs(row.timeframe as Timeframe);
        const span = CHUNK_BARS * step;
        let removed = 0;
        for (const chunk of this.st.chunks.all(row.id, Math.floor(from / span) * span, to)) {
          const { chunk_start: start, n } = chunk;
          const c = decodeRow(chunk, step);
          const lo = lowerBound(c.openTime, from);
          const hi = lowerBound(c.openTime, to);
          if (hi === lo) continue;
          removed += hi - lo;
          if (lo === 0 && hi === n) {
            this.st.delChunk.run(row.id, start);
            continue;
          }
          const kept = allocBarColumns(n - (hi - lo));
          for (const col of COLS) {
            kept[col].set(c[col].subarray(0, lo), 0);
            kept[col].set(c[col].subarray(hi), lo);
          }
          this.putChunk(row.id, start, kept, 0, kept.length, step);
        }
        if (removed > 0) {
          this.refreshTotals(row.id, row.source, row.synthetic === 1);
          this.dropSnapshots(key);
        }
        return removed;
      }).immediate(),
    );
  }

  contentHash(key: SeriesKey, range: TimeRange = {}): string {
    return this.guard(() => {
      const row = this.st.series.get(key.instrument, key.timeframe);
      const h = new BarHasher();
      if (row) h.update(this.readRows(row, range));
      return h.digest();
    });
  }

  /**
   * Runs `fn` in one transaction: every upsert/delete inside commits together or not at all.
   * Throwing from `fn` rolls everything back (used by CSV import to stream a large file in batches).
   */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  putMarketRules(instrument: InstrumentId, rules: MarketRules, meta: { source: string; at: EpochMs }): void {
    for (const [k, v] of Object.entries(rules)) {
      if (!(Number.isFinite(v) && v >= 0)) throw new UserError(`market rules of ${instrument}: ${k} must be a finite number ≥ 0, got ${v}`);
    }
    this.guard(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO market_rules (instrument, amount_step, price_step, min_amount, min_notional, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(instrument, rules.amountStep, rules.priceStep, rules.minAmount, rules.minNotional, meta.source, meta.at),
    );
  }

  marketRules(instrument: InstrumentId): StoredMarketRules | undefined {
    return this.guard(() => {
      // A read-only store written by an older version has no table yet.
      if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'market_rules'").get()) return undefined;
      const r = this.db.prepare<[string], MarketRulesRow>('SELECT * FROM market_rules WHERE instrument = ?').get(instrument);
      return r
        ? { amountStep: r.amount_step, priceStep: r.price_step, minAmount: r.min_amount, minNotional: r.min_notional, source: r.source, updatedAt: r.updated_at }
        : undefined;
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Bytes the database file and its WAL take on disk (for `data list` and the benchmark). */
  sizeOnDisk(): { pages: number; pageSize: number; bytes: number } {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return { pages, pageSize, bytes: pages * pageSize };
  }

  private readRows(row: SeriesRow, range: TimeRange, opts: { readonly shared?: boolean } = {}): BarColumns {
    const from = range.from ?? MIN_T;
    const to = range.to ?? MAX_T;
    if (from >= to) return allocBarColumns(0, opts);
    const step = timeframeMs(row.timeframe as Timeframe);
    const span = CHUNK_BARS * step;
    const rows = this.st.chunks.all(row.id, Math.floor(from / span) * span, to);
    // Pass 1: the bounds of the wanted bars inside each chunk (only the end chunks are partial).
    // A regular chunk's open times are first_t + i·step: its bounds are arithmetic and its openTime column is
    // written straight into the result, never materialised.
    type Part = { f: Float64Array; n: number; regular: boolean; firstT: number; lo: number; hi: number };
    const parts: Part[] = [];
    let total = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const n = r.n;
      const regular = r.regular === 1;
      const f = chunkView(r.data, n, regular ? 5 : 6);
      let lo = 0, hi = n;
      if (regular) {
        const firstT = r.first_t;
        if (firstT < from) lo = Math.min(n, Math.ceil((from - firstT) / step));
        if (firstT + (n - 1) * step >= to) hi = Math.max(0, Math.ceil((to - firstT) / step));
      } else {
        const t = f.subarray(0, n);
        if (t[0]! < from) lo = lowerBound(t, from);
        if (t[n - 1]! >= to) hi = lowerBound(t, to);
      }
      if (hi > lo) {
        parts.push({ f, n, regular, firstT: r.first_t, lo, hi });
        total += hi - lo;
      }
    }
    // Pass 2: one memcpy per column per chunk into one buffer.
    const out = allocBarColumns(total, opts);
    const cols = [out.open, out.high, out.low, out.close, out.volume];
    let at = 0;
    for (const { f, n, regular, firstT, lo, hi } of parts) {
      let base = 0;
      if (regular) {
        const ot = out.openTime;
        for (let i = lo; i < hi; i++) ot[at + i - lo] = firstT + i * step;
      } else {
        out.openTime.set(f.subarray(lo, hi), at);
        base = n;
      }
      for (let c = 0; c < 5; c++) cols[c]!.set(f.subarray(base + c * n + lo, base + c * n + hi), at);
      at += hi - lo;
    }
    return out;
  }

  private putChunk(seriesId: number, start: number, c: BarColumns, from: number, to: number, step: number): void {
    const { blob, regular } = encodeChunk(c, from, to, step);
    this.st.putChunk.run(seriesId, start, to - from, c.openTime[from]!, c.openTime[to - 1]!, regular ? 1 : 0, blob);
  }

  private refreshTotals(id: number, source: string, synthetic: boolean): void {
    const t = this.st.totals.get(id)!;
    if (!t.count) {
      this.st.delSeries.run(id);
      return;
    }
    this.st.setTotals.run(t.count, t.first!, t.last!, source, synthetic ? 1 : 0, id);
  }

  /** The series' columnar read cache (bar-snapshot.ts), when this version of it is on file. */
  private snapshot(row: SeriesRow): BarColumns | undefined {
    if (!this.snapshotDir || row.hash === null || row.count < SNAPSHOT_MIN_BARS) return undefined;
    return readSnapshot(this.snapshotDir, { instrument: row.instrument, timeframe: row.timeframe, hash: row.hash }, row.count);
  }

  /** Cached versions of a series are stale once its bars change: removed (a file is rebuilt on the next full read). */
  private dropSnapshots(key: SeriesKey): void {
    if (this.snapshotDir) dropSnapshots(this.snapshotDir, key);
  }

  /** Keeps a whole-series read as the series' read cache (large series with a known content hash only). */
  private saveSnapshot(row: SeriesRow, whole: BarColumns): void {
    if (!this.snapshotDir || row.hash === null || row.count < SNAPSHOT_MIN_BARS || whole.length !== row.count) return;
    writeSnapshot(this.snapshotDir, { instrument: row.instrument, timeframe: row.timeframe, hash: row.hash }, whole);
  }

  private summarise(row: SeriesRow): SeriesSummary {
    let { hash, missing, gaps } = row;
    if (hash === null || missing === null || gaps === null) {
      const bars = this.readRows(row, {});
      hash = new BarHasher().update(bars).digest();
      ({ missing, gaps } = countGaps(bars.openTime, timeframeMs(row.timeframe as Timeframe)));
      if (!this.db.readonly && !this.db.inTransaction) {
        // Caching is optional: never wait for another writer's lock just to save the figures.
        const wait = this.db.pragma('busy_timeout', { simple: true }) as number;
        this.db.pragma('busy_timeout = 0');
        try {
          this.st.setDerived.run(hash, missing, gaps, row.id);
        } catch {
          // Busy: the figures are still right, just not cached.
        } finally {
          this.db.pragma(`busy_timeout = ${wait}`);
        }
      } else if (this.db.inTransaction) {
        this.st.setDerived.run(hash, missing, gaps, row.id);
      }
    }
    return {
      instrument: row.instrument,
      timeframe: row.timeframe as Timeframe,
      count: row.count,
      first: row.first,
      last: row.last,
      source: row.source,
      synthetic: row.synthetic === 1,
      hash,
      missing,
      gaps,
    };
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw dbError(this.file, e);
    }
  }
}

/** Opens the bar store of a home folder (`<home>/market.db`), creating and migrating it if needed. */
export function openBarStore(home: string, opts: { readonly?: boolean; snapshots?: boolean } = {}): SqliteBarStore {
  const file = homePaths(home).marketDb;
  if (!opts.readonly) createWithLargePages(file);
  const db = openDatabase(file, opts.readonly ? { readonly: true } : {});
  try {
    return new SqliteBarStore(db, file, opts.snapshots === false ? { snapshots: false } : {});
  } catch (e) {
    db.close();
    throw e;
  }
}

const COLS = ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * A new market database gets 64 KiB pages: bar chunks are ~160 KB blobs, and big pages halve the CPU cost of
 * writing and reading them. The page size can only be chosen before the file is first put in WAL mode,
 * so this runs before openDatabase; an existing file keeps its page size.
 */
function createWithLargePages(file: string): void {
  if (fs.existsSync(file)) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file, { timeout: 2000 });
    try {
      db.pragma('page_size = 65536');
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
  } catch {
    // openDatabase reports the reason (permissions, a file in the way…) with a clear message.
  }
}

function decodeRow(r: ChunkRow, step: number): BarColumns {
  return decodeChunk(r.data, r.n, r.regular === 1, r.first_t, step);
}

/** Missing grid slots between consecutive bars, and how many runs they form. */
export function countGaps(t: Float64Array, stepMs: number): { missing: number; gaps: number } {
  let missing = 0, gaps = 0;
  for (let i = 1; i < t.length; i++) {
    const d = t[i]! - t[i - 1]!;
    if (d > stepMs) {
      gaps++;
      missing += Math.ceil(d / stepMs) - 1;
    }
  }
  return { missing, gaps };
}

function sameValue(a: number, b: number): boolean {
  // Bit-exact: 0 and -0 differ in the stored bytes and the hash.
  return a === b && (a !== 0 || 1 / a === 1 / b);
}

function mergeChunk(old: BarColumns, add: BarColumns, from: number, to: number) {
  const out = allocBarColumns(old.length + (to - from));
  let i = 0, j = from, k = 0;
  let inserted = 0, updated = 0, unchanged = 0;
  const put = (src: BarColumns, s: number) => {
    out.openTime[k] = src.openTime[s]!;
    out.open[k] = src.open[s]!;
    out.high[k] = src.high[s]!;
    out.low[k] = src.low[s]!;
    out.close[k] = src.close[s]!;
    out.volume[k] = src.volume[s]!;
    k++;
  };
  while (i < old.length || j < to) {
    if (j >= to || (i < old.length && old.openTime[i]! < add.openTime[j]!)) {
      put(old, i++);
    } else if (i >= old.length || add.openTime[j]! < old.openTime[i]!) {
      put(add, j++);
      inserted++;
    } else {
      const same =
        sameValue(old.open[i]!, add.open[j]!) &&
        sameValue(old.high[i]!, add.high[j]!) &&
        sameValue(old.low[i]!, add.low[j]!) &&
        sameValue(old.close[i]!, add.close[j]!) &&
        sameValue(old.volume[i]!, add.volume[j]!);
      if (same) unchanged++;
      else updated++;
      put(add, j++);
      i++;
    }
  }
  return { bars: k === out.length ? out : sliceBarColumns(out, 0, k), inserted, updated, unchanged };
}


function mergeSource(existing: string, add: string): string {
  if (!existing || existing === add) return add;
  const parts = existing.split(' + ');
  if (parts.includes(add)) return existing;
  // Keep the list short: the newest few writers of a series are what a report needs to cite.
  return [...parts, add].slice(-4).join(' + ');
}

/** The store's structural invariants: ascending, unique, integer open times; finite values. */
function checkBars(c: BarColumns): void {
  const { openTime: t, open: o, high: h, low: l, close: cl, volume: v } = c;
  for (let i = 0; i < c.length; i++) {
    const ti = t[i]!;
    if (!Number.isSafeInteger(ti)) throw new UserError(`bar ${i}: openTime ${ti} is not an integer epoch ms`);
    if (i > 0 && ti <= t[i - 1]!) throw new UserError(`bar ${i}: openTime ${ti} is not after the previous bar's ${t[i - 1]} (bars must be ascending and unique)`);
    if (!(Number.isFinite(o[i]!) && Number.isFinite(h[i]!) && Number.isFinite(l[i]!) && Number.isFinite(cl[i]!) && Number.isFinite(v[i]!))) throw new UserError(`bar ${i} (openTime ${ti}): a value is not a finite number`);
  }
}

